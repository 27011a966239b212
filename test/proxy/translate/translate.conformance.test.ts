// Every TLSRoute scenario of the pinned Gateway API conformance suite, loaded as-is
// (class placeholder -> "courier", a Courier GatewayClass, the suite's base Services
// and Namespaces, one EndpointSlice per Service), asserting the exact conditions and
// reasons the suite checks, plus what Courier would route.
import { describe, expect, test } from "bun:test";
import { buildRouteTable, lookupRoute } from "../../../proxy/dataplane/routeTable.ts";
import type { Plan } from "../../../proxy/model/plan.ts";
import { translate } from "../../../proxy/translate/translate.ts";
import {
  INFRA,
  conditionSummary,
  conformanceSnapshot,
  gatewayStatusOf,
  listenerStatusOf,
  routeParents,
} from "./translateFixtures.ts";

const TLS_ROUTE_KIND = { group: "gateway.networking.k8s.io", kind: "TLSRoute" };

/** Which backend Service an SNI reaches on a socket, or undefined when refused. */
function backendFor(plan: Plan, address: string, port: number, sni: string): string | undefined {
  const socket = plan.ports.find((candidate) => candidate.address === address && candidate.port === port);
  if (socket === undefined) return undefined;
  return lookupRoute(buildRouteTable(socket.hosts), sni)?.backends.map((backend) => backend.name).join(",");
}

function onlyParent(plan: Plan, route: string) {
  const parents = routeParents(plan, route);
  expect(parents.length).toBe(1);
  return parents[0]!;
}

describe("conformance: TLSRouteSimpleSameNamespace", () => {
  const plan = translate(conformanceSnapshot("tlsroute-simple-same-namespace.yaml"));
  test("route Accepted and ResolvedRefs; parentRef copied with defaulted group/kind", () => {
    const parent = onlyParent(plan, "gateway-conformance-infra-test");
    expect(parent.parentRef).toEqual({ group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "gateway-conformance-infra", name: "gateway-tlsroute" });
    expect(parent.controllerName).toBe("courier.dev/gateway-controller");
    expect(conditionSummary(parent.conditions)).toEqual({ Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" });
  });
  test("Gateway Accepted and Programmed, listener has 1 attached route", () => {
    expect(conditionSummary(gatewayStatusOf(plan, "gateway-tlsroute").conditions)).toEqual({ Accepted: "True/Accepted", Programmed: "True/Programmed" });
    const listener = listenerStatusOf(plan, "gateway-tlsroute", "https");
    expect(listener.attachedRoutes).toBe(1);
    expect(listener.supportedKinds).toEqual([TLS_ROUTE_KIND]);
  });
  test("abc.example.com reaches tcp-backend:8443; other names are refused", () => {
    expect(backendFor(plan, "0.0.0.0", 443, "abc.example.com")).toBe("Service gateway-conformance-infra/tcp-backend:8443");
    expect(backendFor(plan, "0.0.0.0", 443, "def.example.com")).toBeUndefined();
  });
});

describe("conformance: TLSRouteHostnameIntersection", () => {
  const snapshot = conformanceSnapshot("tlsroute-hostname-intersection.yaml");
  // In the suite each Gateway has its own address; model that with one bind address each.
  const addresses: Record<string, string> = {
    "gw-tlsroute-exact-hostname-x-1": "10.9.0.1",
    "gw-tlsroute-more-specific-wc-hostname-x-2": "10.9.0.2",
    "gw-tlsroute-less-specific-wc-hostname-x-3": "10.9.0.3",
    "gw-tlsroute-empty-hostname-x-4": "10.9.0.4",
  };
  const plan = translate(snapshot, { gatewayAddresses: new Map(Object.entries(addresses).map(([name, bind]) => [`${INFRA}/${name}`, { bind }])) });
  const tls1 = "Service gateway-conformance-infra/tls-backend:443";
  const tls2 = "Service gateway-conformance-infra/tls-backend-2:443";

  test("every route is Accepted with ResolvedRefs on its Gateway", () => {
    for (const route of [
      "tlsroute-more-specific-wc-hostname-x-1",
      "tlsroute-exact-hostname-x-2",
      "tlsroute-less-specific-wc-hostname-x-2",
      "tlsroute-exact-hostname-x-3",
      "tlsroute-more-specific-wc-hostname-x-3",
      "tlsroute-exact-hostname-x-4",
      "tlsroute-less-specific-wc-hostname-x-4",
    ]) {
      expect([route, conditionSummary(onlyParent(plan, route).conditions)]).toEqual([route, { Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" }]);
    }
  });
  test("exact listener hostname: only abc.example.com, to tls-backend", () => {
    expect(plan.ports.find((port) => port.address === "10.9.0.1")?.hosts.map((host) => host.hostname)).toEqual(["abc.example.com"]);
    expect(backendFor(plan, "10.9.0.1", 443, "abc.example.com")).toBe(tls1);
    expect(backendFor(plan, "10.9.0.1", 443, "non.matching.com")).toBeUndefined();
  });
  test("more specific wildcard listener (*.example.com)", () => {
    expect(backendFor(plan, "10.9.0.2", 443, "abc.example.com")).toBe(tls1);
    expect(backendFor(plan, "10.9.0.2", 443, "other.example.com")).toBe(tls2);
    expect(backendFor(plan, "10.9.0.2", 443, "non.matching.com")).toBeUndefined();
  });
  test("less specific wildcard listener (*.com)", () => {
    expect(backendFor(plan, "10.9.0.3", 443, "abc.example.com")).toBe(tls1);
    expect(backendFor(plan, "10.9.0.3", 443, "other.example.com")).toBe(tls2);
    expect(backendFor(plan, "10.9.0.3", 443, "non.matching.com")).toBeUndefined();
  });
  test("listener without hostname", () => {
    expect(backendFor(plan, "10.9.0.4", 443, "abc.example.com")).toBe(tls1);
    expect(backendFor(plan, "10.9.0.4", 443, "other.example.com")).toBe(tls2);
    expect(backendFor(plan, "10.9.0.4", 443, "non.matching.org")).toBeUndefined();
  });
  test("attachedRoutes per listener", () => {
    expect(listenerStatusOf(plan, "gw-tlsroute-exact-hostname-x-1", "listener-exact-hostname").attachedRoutes).toBe(1);
    expect(listenerStatusOf(plan, "gw-tlsroute-more-specific-wc-hostname-x-2", "listener-more-specific-wc-hostname").attachedRoutes).toBe(2);
    expect(listenerStatusOf(plan, "gw-tlsroute-less-specific-wc-hostname-x-3", "listener-less-specific-wc-hostname").attachedRoutes).toBe(2);
    expect(listenerStatusOf(plan, "gw-tlsroute-empty-hostname-x-4", "listener-empty-hostname").attachedRoutes).toBe(2);
  });
  test("merged onto one socket (one proxy address), the same SNIs still reach the same backends", () => {
    const merged = translate(snapshot);
    expect(merged.ports.map((port) => `${port.address}:${port.port}`)).toEqual(["0.0.0.0:443"]);
    expect(backendFor(merged, "0.0.0.0", 443, "abc.example.com")).toBe(tls1);
    expect(backendFor(merged, "0.0.0.0", 443, "other.example.com")).toBe(tls2);
    for (const route of merged.routes) {
      expect(conditionSummary(route.parents[0]!.conditions)["Accepted"]).toBe("True/Accepted");
    }
  });
});

describe("conformance: TLSRouteInvalidBackendRefNonexistent", () => {
  const plan = translate(conformanceSnapshot("tlsroute-invalid-backendref-nonexistent.yaml"));
  test("Accepted=True, ResolvedRefs=False/BackendNotFound", () => {
    expect(conditionSummary(onlyParent(plan, "invalid-backend-ref-nonexistent").conditions)).toEqual({
      Accepted: "True/Accepted",
      ResolvedRefs: "False/BackendNotFound",
    });
  });
  test("the hostname is programmed with the invalid backend, so connections are refused, not misrouted", () => {
    const backends = plan.ports[0]?.hosts.find((host) => host.hostname === "example.com")?.route.backends;
    expect(backends).toEqual([
      { name: "Service gateway-conformance-infra/nonexistent:443", weight: 1, invalidReason: "Service gateway-conformance-infra/nonexistent:443: Service not found" },
    ]);
  });
});

describe("conformance: TLSRouteInvalidBackendRefUnknownKind", () => {
  const plan = translate(conformanceSnapshot("tlsroute-invalid-backendref-unknown-kind.yaml"));
  test("Accepted=True, ResolvedRefs=False/InvalidKind", () => {
    expect(conditionSummary(onlyParent(plan, "invalid-backend-ref-unknown-kind").conditions)).toEqual({
      Accepted: "True/Accepted",
      ResolvedRefs: "False/InvalidKind",
    });
    expect(plan.ports[0]?.hosts[0]?.route.backends[0]?.endpoints).toBeUndefined();
  });
});

describe("conformance: TLSRouteInvalidNoMatchingListenerHostname", () => {
  const plan = translate(conformanceSnapshot("tlsroute-invalid-no-matching-listener-hostname.yaml"));
  test("both routes Accepted=False/NoMatchingListenerHostname and nothing programmed", () => {
    for (const route of ["tlsroute-hostname-mismatch-1", "tlsroute-hostname-mismatch-2"]) {
      expect(conditionSummary(onlyParent(plan, route).conditions)["Accepted"]).toBe("False/NoMatchingListenerHostname");
    }
    expect(plan.ports.flatMap((port) => port.hosts)).toEqual([]);
    expect(listenerStatusOf(plan, "gateway-tls-exact-hostname", "tls").attachedRoutes).toBe(0);
    expect(listenerStatusOf(plan, "gateway-tls-wildcard-hostname", "tls").attachedRoutes).toBe(0);
  });
});

describe("conformance: TLSRouteInvalidNoMatchingListener", () => {
  const plan = translate(conformanceSnapshot("tlsroute-invalid-no-matching-listener.yaml"));
  test("HTTP and HTTPS listeners: NotAllowedByListeners; unknown sectionName: NoMatchingParent", () => {
    expect(conditionSummary(onlyParent(plan, "tlsroute-not-allowed-protocol-http").conditions)["Accepted"]).toBe("False/NotAllowedByListeners");
    expect(conditionSummary(onlyParent(plan, "tlsroute-not-allowed-protocol-https").conditions)["Accepted"]).toBe("False/NotAllowedByListeners");
    expect(conditionSummary(onlyParent(plan, "tlsroute-no-matching-section-name").conditions)["Accepted"]).toBe("False/NoMatchingParent");
  });
  test("HTTP-only and HTTPS-only Gateways have 0 attached routes and say why they are not served", () => {
    for (const [gateway, listener] of [
      ["gateway-tlsroute-http-only", "http"],
      ["gateway-tlsroute-https-only", "https"],
    ] as const) {
      const status = listenerStatusOf(plan, gateway, listener);
      expect(status.attachedRoutes).toBe(0);
      expect(status.supportedKinds).toEqual([]);
      expect(conditionSummary(status.conditions)).toMatchObject({ Accepted: "False/UnsupportedProtocol", Programmed: "False/Invalid" });
      expect(conditionSummary(gatewayStatusOf(plan, gateway).conditions)).toEqual({ Accepted: "False/ListenersNotValid", Programmed: "False/Invalid" });
    }
    expect(listenerStatusOf(plan, "gateway-tlsroute-tls-passthrough-only", "tls-passthrough").attachedRoutes).toBe(0);
  });
});

describe("conformance: TLSRouteInvalidReferenceGrant", () => {
  const plan = translate(conformanceSnapshot("tlsroute-invalid-reference-grant.yaml"));
  test("every near-miss grant is refused: Accepted=True, ResolvedRefs=False/RefNotPermitted", () => {
    expect(conditionSummary(onlyParent(plan, "gateway-conformance-infra-test").conditions)).toEqual({
      Accepted: "True/Accepted",
      ResolvedRefs: "False/RefNotPermitted",
    });
    expect(plan.ports[0]?.hosts[0]?.route.backends[0]?.endpoints).toBeUndefined();
  });
});

describe("conformance: TLSRouteListenerPassthroughSupportedKinds", () => {
  const plan = translate(conformanceSnapshot("tlsroute-listener-passthrough-supported-kinds.yaml"));
  test("supportedKinds is exactly TLSRoute; ResolvedRefs=False/InvalidRouteKinds for TCPRoute", () => {
    const listener = listenerStatusOf(plan, "gateway-tlsroute-passthrough-supported-kind", "tls-passthrough");
    expect(listener.supportedKinds).toEqual([TLS_ROUTE_KIND]);
    expect(listener.attachedRoutes).toBe(0);
    expect(conditionSummary(listener.conditions)).toEqual({
      Accepted: "True/Accepted",
      Programmed: "True/Programmed",
      ResolvedRefs: "False/InvalidRouteKinds",
      Conflicted: "False/NoConflicts",
    });
    expect(conditionSummary(gatewayStatusOf(plan, "gateway-tlsroute-passthrough-supported-kind").conditions)).toEqual({
      Accepted: "True/ListenersNotValid",
      Programmed: "True/Programmed",
    });
  });
});

describe("conformance: TLSRouteListenerTerminateNotSupported (and TerminateSupportedKinds, not claimed)", () => {
  for (const [file, gateway] of [
    ["tlsroute-listener-terminate-not-supported.yaml", "gateway-tlsroute-terminate-unsupported"],
    ["tlsroute-listener-terminate-supported-kinds.yaml", "gateway-tlsroute-terminate-supported"],
  ] as const) {
    test(`${file}: Terminate listener Accepted=False/UnsupportedValue, no supportedKinds, not programmed`, () => {
      const plan = translate(conformanceSnapshot(file));
      const listener = listenerStatusOf(plan, gateway, "tls-terminate");
      expect(listener.supportedKinds).toEqual([]);
      expect(listener.attachedRoutes).toBe(0);
      expect(conditionSummary(listener.conditions)).toMatchObject({ Accepted: "False/UnsupportedValue", Programmed: "False/Invalid" });
      expect(plan.ports).toEqual([]);
    });
  }
});

describe("conformance: TLSRouteListenerMixedTerminationNotSupported", () => {
  const plan = translate(conformanceSnapshot("tlsroute-listener-mixed-termination-not-supported.yaml"));
  test("both listeners Accepted=False/ProtocolConflict with Conflicted=True and no supportedKinds", () => {
    for (const name of ["tls-terminate", "tls-passthrough"]) {
      const listener = listenerStatusOf(plan, "gateway-tlsroute-mixed-termination-not-supported", name);
      expect(listener.supportedKinds).toEqual([]);
      expect(listener.attachedRoutes).toBe(0);
      expect(conditionSummary(listener.conditions)).toMatchObject({ Accepted: "False/ProtocolConflict", Conflicted: "True/ProtocolConflict" });
    }
    expect(plan.ports).toEqual([]);
  });
});

describe("conformance: Terminate-mode scenarios Courier does not claim (TLSRouteModeTerminate/Mixed)", () => {
  test("TLSRouteMixedTerminationSameNamespace: listeners ProtocolConflict, routes NotAllowedByListeners", () => {
    const plan = translate(conformanceSnapshot("tlsroute-mixed-termination-same-namespace.yaml"));
    for (const route of ["gateway-conformance-mixed-passthroughroute", "gateway-conformance-mixed-terminateroute"]) {
      expect(conditionSummary(onlyParent(plan, route).conditions)["Accepted"]).toBe("False/NotAllowedByListeners");
    }
    expect(conditionSummary(listenerStatusOf(plan, "gateway-tlsroute-mixed-termination", "tls-passthrough").conditions)["Accepted"]).toBe("False/ProtocolConflict");
  });
  test("TLSRouteTerminateSimpleSameNamespace: listener UnsupportedValue, route NotAllowedByListeners", () => {
    const plan = translate(conformanceSnapshot("tlsroute-terminate-simple-same-namespace.yaml"));
    expect(conditionSummary(onlyParent(plan, "tlsroute-terminated-test").conditions)["Accepted"]).toBe("False/NotAllowedByListeners");
    expect(conditionSummary(listenerStatusOf(plan, "gateway-tlsroute-terminate", "tlsterminate").conditions)["Accepted"]).toBe("False/UnsupportedValue");
  });
});

describe("conformance: every condition carries observedGeneration", () => {
  test("equal to the object's metadata.generation (0 in these manifests, which set none)", () => {
    const plan = translate(conformanceSnapshot("tlsroute-hostname-intersection.yaml"));
    const generations = [
      ...plan.gatewayClasses.flatMap((entry) => entry.conditions),
      ...plan.gateways.flatMap((entry) => [...entry.conditions, ...entry.listeners.flatMap((listener) => listener.conditions)]),
      ...plan.routes.flatMap((entry) => entry.parents.flatMap((parent) => parent.conditions)),
    ].map((entry) => entry.observedGeneration);
    expect(new Set(generations)).toEqual(new Set([0, 1]));
    expect(plan.gatewayClasses[0]?.conditions[0]?.observedGeneration).toBe(1);
  });
});
