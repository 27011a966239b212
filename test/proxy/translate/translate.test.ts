// translate(): table-driven cases, Envoy Gateway style: input objects -> expected
// Plan fragments (ports/hosts/backends and status conditions).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { normalizeObjects } from "../../../proxy/sources/normalize/normalize.ts";
import type { Plan, RouteSettings } from "../../../proxy/model/plan.ts";
import { translate, type TranslateOptions } from "../../../proxy/translate/translate.ts";
import { GATEWAY_API_VERSION, standardCrdFile } from "../../helpers/gatewayApi.ts";
import { conditionSummary, courierClass, manifestObjects } from "./translateFixtures.ts";

function planOf(yaml: string, options: TranslateOptions = {}): Plan {
  const { snapshot, errors } = normalizeObjects([courierClass, ...manifestObjects(yaml, "case.yaml")]);
  expect(errors).toEqual([]);
  return translate(snapshot, options);
}

/** Plan.ports as "address:port hostname -> route [backend(weight)=endpoints|invalid]". */
function portLines(plan: Plan): string[] {
  return plan.ports.flatMap((port) =>
    port.hosts.length === 0
      ? [`${port.address}:${port.port} (no hosts)`]
      : port.hosts.map(
          (host) =>
            `${port.address}:${port.port} ${host.hostname} -> ${host.route.id} [${host.route.backends
              .map((backend) => `${backend.name}(${backend.weight})=${backend.endpoints === undefined ? `invalid` : backend.endpoints.map((e) => `${e.host}:${e.port}`).join(",")}`)
              .join(" ")}]`,
        ),
  );
}

function routeConditions(plan: Plan, name: string): Record<string, string>[] {
  return (plan.routes.find((route) => route.key.name === name)?.parents ?? []).map((parent) => conditionSummary(parent.conditions));
}

const GATEWAY_KEY = "apps/gw";
const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps, generation: 2}
spec:
  gatewayClassName: courier
  listeners:
  - {name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: apps}
spec: {ports: [{name: pg, port: 5432, targetPort: 15432}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-1, namespace: apps, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
ports: [{name: pg, port: 15432}]
endpoints:
- {addresses: [10.0.0.2], conditions: {ready: true}}
- {addresses: [10.0.0.1]}
- {addresses: [10.0.0.3], conditions: {ready: false, serving: true, terminating: true}}
`;

function route(name: string, hostnames: string[], extra = "", backend = "{name: db, port: 5432}"): string {
  return `
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: ${name}, namespace: apps, generation: 5${extra}}
spec:
  parentRefs: [{name: gw}]
  hostnames: [${hostnames.map((hostname) => JSON.stringify(hostname)).join(", ")}]
  rules: [{backendRefs: [${backend}]}]
`;
}

describe("translate: ports, hosts, backends", () => {
  test("a route programs its hostnames on the listener's port with ready endpoints by port name", () => {
    const plan = planOf(GATEWAY + route("db", ["db.example.com"]));
    expect(portLines(plan)).toEqual(["0.0.0.0:443 db.example.com -> apps/db [Service apps/db:5432(1)=10.0.0.1:15432,10.0.0.2:15432]"]);
    expect(routeConditions(plan, "db")).toEqual([{ Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" }]);
    expect(plan.routes[0]?.parents[0]?.conditions.every((c) => c.observedGeneration === 5)).toBe(true);
  });

  test("portOffset and the decided bind address make the socket; status keeps the spec port", () => {
    const plan = planOf(GATEWAY + route("db", ["db.example.com"]), { portOffset: 8000, gatewayAddresses: new Map([[GATEWAY_KEY, { bind: "127.0.0.1" }]]) });
    expect(plan.ports.map((port) => `${port.address}:${port.port}`)).toEqual(["127.0.0.1:8443"]);
    expect(plan.gateways[0]?.addresses).toEqual([{ type: "IPAddress", value: "127.0.0.1" }]);
  });
});

describe("translate: allowedRoutes namespaces", () => {
  const gateway = (from: string, selector = "") => `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: courier
  listeners:
  - {name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: ${from}${selector}}}}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-a, labels: {team: a, tier: db}}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-b, labels: {team: b}}
`;
  const routeIn = (namespace: string) => `
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: r, namespace: ${namespace}}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  hostnames: [${namespace}.example.com]
  rules: [{backendRefs: [{name: db, port: 1}]}]
`;
  const cases: readonly [string, string, string, string][] = [
    ["Same admits the Gateway's namespace", gateway("Same"), "infra", "True/Accepted"],
    ["Same refuses another namespace", gateway("Same"), "team-a", "False/NotAllowedByListeners"],
    ["All admits any namespace", gateway("All"), "team-b", "True/Accepted"],
    ["Selector matchLabels", gateway("Selector", ", selector: {matchLabels: {team: a}}"), "team-a", "True/Accepted"],
    ["Selector matchLabels mismatch", gateway("Selector", ", selector: {matchLabels: {team: a}}"), "team-b", "False/NotAllowedByListeners"],
    ["Selector In", gateway("Selector", ", selector: {matchExpressions: [{key: team, operator: In, values: [a, b]}]}"), "team-b", "True/Accepted"],
    ["Selector NotIn", gateway("Selector", ", selector: {matchExpressions: [{key: team, operator: NotIn, values: [a]}]}"), "team-a", "False/NotAllowedByListeners"],
    ["Selector Exists", gateway("Selector", ", selector: {matchExpressions: [{key: tier, operator: Exists}]}"), "team-a", "True/Accepted"],
    ["Selector DoesNotExist", gateway("Selector", ", selector: {matchExpressions: [{key: tier, operator: DoesNotExist}]}"), "team-b", "True/Accepted"],
    ["Selector and an unknown Namespace: no labels", gateway("Selector", ", selector: {matchLabels: {team: a}}"), "unseen", "False/NotAllowedByListeners"],
    ["Selector DoesNotExist and an unknown Namespace", gateway("Selector", ", selector: {matchExpressions: [{key: team, operator: DoesNotExist}]}"), "unseen", "True/Accepted"],
  ];
  for (const [name, gatewayYaml, namespace, expected] of cases) {
    test(name, () => {
      const plan = planOf(gatewayYaml + routeIn(namespace));
      expect(routeConditions(plan, "r").map((c) => c["Accepted"])).toEqual([expected]);
      const attached = plan.gateways[0]?.listeners[0]?.attachedRoutes;
      expect(attached).toBe(expected.startsWith("True") ? 1 : 0);
    });
  }
});

describe("translate: parentRef sectionName and port", () => {
  const gateway = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: courier
  listeners:
  - {name: a, protocol: TLS, port: 443, hostname: a.example.com, tls: {mode: Passthrough}}
  - {name: b, protocol: TLS, port: 8443, hostname: "*.example.com", tls: {mode: Passthrough}}
`;
  const routeWith = (parentRef: string) => `
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: r, namespace: apps}
spec:
  parentRefs: [${parentRef}]
  hostnames: [a.example.com]
  rules: [{backendRefs: [{name: db, port: 1}]}]
`;
  const cases: readonly [string, string, string, string[]][] = [
    ["no section: every listener that takes it", "{name: gw}", "True/Accepted", ["0.0.0.0:443 a.example.com", "0.0.0.0:8443 a.example.com"]],
    ["sectionName selects one listener", "{name: gw, sectionName: b}", "True/Accepted", ["0.0.0.0:8443 a.example.com"]],
    ["port selects listeners", "{name: gw, port: 443}", "True/Accepted", ["0.0.0.0:443 a.example.com"]],
    ["sectionName and port must both match", "{name: gw, sectionName: a, port: 8443}", "False/NoMatchingParent", []],
    ["unknown sectionName", "{name: gw, sectionName: c}", "False/NoMatchingParent", []],
    ["unknown port", "{name: gw, port: 9999}", "False/NoMatchingParent", []],
  ];
  for (const [name, parentRef, expected, hosts] of cases) {
    test(name, () => {
      const plan = planOf(gateway + routeWith(parentRef));
      expect(routeConditions(plan, "r").map((c) => c["Accepted"])).toEqual([expected]);
      expect(plan.ports.flatMap((port) => port.hosts.map((host) => `${port.address}:${port.port} ${host.hostname}`))).toEqual(hosts);
    });
  }
  test("the parentRef is echoed as written, with group and kind defaulted", () => {
    const plan = planOf(gateway + routeWith("{name: gw, sectionName: b, port: 8443}"));
    expect(plan.routes[0]?.parents[0]?.parentRef).toEqual({ group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw", sectionName: "b", port: 8443 });
  });
  test("a route attached through two parentRefs to one listener counts once", () => {
    const plan = planOf(gateway + routeWith("{name: gw, sectionName: a}, {name: gw, port: 443}"));
    expect(plan.gateways[0]?.listeners.map((listener) => listener.attachedRoutes)).toEqual([1, 0]);
    expect(routeConditions(plan, "r").map((c) => c["Accepted"])).toEqual(["True/Accepted", "True/Accepted"]);
  });
});

describe("translate: parents that are not Courier's", () => {
  const objects = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: other}
spec: {controllerName: example.com/other}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: theirs, namespace: apps}
spec:
  gatewayClassName: other
  listeners: [{name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: r, namespace: apps}
spec:
  parentRefs: [{name: theirs}, {name: missing}, {group: "", kind: Service, name: mesh}]
  hostnames: [a.example.com]
  rules: [{backendRefs: [{name: db, port: 1}]}]
`;
  test("no status entry from Courier, no GatewayClass or Gateway status, a warning for the missing Gateway", () => {
    const plan = planOf(objects);
    expect(plan.routes).toEqual([{ key: { namespace: "apps", name: "r" }, apiVersion: "gateway.networking.k8s.io/v1", parents: [] }]);
    expect(plan.gatewayClasses.map((entry) => entry.key.name)).toEqual(["courier"]);
    expect(plan.gateways).toEqual([]);
    expect(plan.ports).toEqual([]);
    expect(plan.warnings).toEqual(["TLSRoute apps/r: parent Gateway apps/missing not found"]);
  });
  test("file mode: an unknown class is taken as Courier's, with a warning", () => {
    const { snapshot } = normalizeObjects(
      manifestObjects(
        `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: nowhere
  listeners: [{name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}}]
`,
        "file.yaml",
      ),
    );
    expect(translate(snapshot).gateways).toEqual([]);
    const plan = translate(snapshot, { assumeClassesOurs: true });
    expect(plan.gateways.map((gateway) => conditionSummary(gateway.conditions))).toEqual([{ Accepted: "True/Accepted", Programmed: "True/Programmed" }]);
    expect(plan.warnings).toEqual(["Gateway apps/gw: GatewayClass nowhere not found; taken as Courier's"]);
  });
});

describe("translate: GatewayClass", () => {
  test("Courier's class: Accepted with supportedFeatures sorted; a parametersRef is InvalidParameters and its Gateways are not served", () => {
    const plan = planOf(`
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: with-params, generation: 4}
spec:
  controllerName: courier.dev/gateway-controller
  parametersRef: {group: example.com, kind: Config, name: x}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps, generation: 7}
spec:
  gatewayClassName: with-params
  listeners: [{name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}}]
`);
    expect(plan.gatewayClasses.map((entry) => [entry.key.name, conditionSummary(entry.conditions), entry.supportedFeatures.map((f) => f.name)])).toEqual([
      ["courier", { Accepted: "True/Accepted" }, ["Gateway", "ReferenceGrant", "TLSRoute"]],
      ["with-params", { Accepted: "False/InvalidParameters" }, ["Gateway", "ReferenceGrant", "TLSRoute"]],
    ]);
    expect(plan.gatewayClasses[1]?.conditions[0]?.observedGeneration).toBe(4);
    expect(conditionSummary(plan.gateways[0]!.conditions)).toEqual({ Accepted: "False/Invalid", Programmed: "False/Invalid" });
    expect(plan.gateways[0]?.conditions[0]?.observedGeneration).toBe(7);
    expect(plan.ports).toEqual([]);
  });
});

describe("translate: listeners", () => {
  const gatewayWith = (listeners: string) => `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps, generation: 3}
spec:
  gatewayClassName: courier
  listeners:
${listeners}
`;
  test("mixed Gateway: HTTP listener refused honestly, TLS passthrough still programmed", () => {
    const plan = planOf(
      gatewayWith(`  - {name: web, protocol: HTTP, port: 80}
  - {name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}}`),
    );
    const [web, tls] = plan.gateways[0]!.listeners;
    expect(conditionSummary(web!.conditions)).toEqual({ Accepted: "False/UnsupportedProtocol", Programmed: "False/Invalid", ResolvedRefs: "True/ResolvedRefs", Conflicted: "False/NoConflicts" });
    expect(conditionSummary(tls!.conditions)).toEqual({ Accepted: "True/Accepted", Programmed: "True/Programmed", ResolvedRefs: "True/ResolvedRefs", Conflicted: "False/NoConflicts" });
    expect(conditionSummary(plan.gateways[0]!.conditions)).toEqual({ Accepted: "True/ListenersNotValid", Programmed: "True/Programmed" });
    expect(plan.gateways[0]?.conditions[0]?.message).toContain("listener web: protocol HTTP is not supported");
    expect(plan.ports.map((port) => port.port)).toEqual([443]);
    expect(plan.gateways[0]?.listeners.flatMap((listener) => listener.conditions.map((c) => c.observedGeneration))).toEqual(new Array(8).fill(3));
  });
  for (const protocol of ["HTTPS", "TCP", "UDP", "example.com/custom"]) {
    test(`protocol ${protocol}: UnsupportedProtocol`, () => {
      const tls = protocol === "HTTPS" ? ", tls: {mode: Terminate, certificateRefs: [{name: c}]}" : "";
      const plan = planOf(gatewayWith(`  - {name: l, protocol: ${protocol}, port: 443${tls}}`));
      expect(conditionSummary(plan.gateways[0]!.listeners[0]!.conditions)["Accepted"]).toBe("False/UnsupportedProtocol");
    });
  }
  test("same port and hostname twice: both HostnameConflict, other listeners unaffected", () => {
    const plan = planOf(
      gatewayWith(`  - {name: a, protocol: TLS, port: 443, hostname: x.example.com, tls: {mode: Passthrough}}
  - {name: b, protocol: TLS, port: 443, hostname: x.example.com, tls: {mode: Passthrough}}
  - {name: c, protocol: TLS, port: 443, hostname: y.example.com, tls: {mode: Passthrough}}
  - {name: d, protocol: TLS, port: 8443, hostname: x.example.com, tls: {mode: Passthrough}}`),
    );
    expect(plan.gateways[0]!.listeners.map((listener) => [listener.name, conditionSummary(listener.conditions)["Accepted"], conditionSummary(listener.conditions)["Conflicted"]])).toEqual([
      ["a", "False/HostnameConflict", "True/HostnameConflict"],
      ["b", "False/HostnameConflict", "True/HostnameConflict"],
      ["c", "True/Accepted", "False/NoConflicts"],
      ["d", "True/Accepted", "False/NoConflicts"],
    ]);
    expect(conditionSummary(plan.gateways[0]!.conditions)).toEqual({ Accepted: "True/ListenersNotValid", Programmed: "True/Programmed" });
  });
  test("two listeners without hostname on one port conflict", () => {
    const plan = planOf(
      gatewayWith(`  - {name: a, protocol: TLS, port: 443, tls: {mode: Passthrough}}
  - {name: b, protocol: TLS, port: 443, tls: {mode: Passthrough}}`),
    );
    expect(plan.gateways[0]!.listeners.map((listener) => conditionSummary(listener.conditions)["Conflicted"])).toEqual(["True/HostnameConflict", "True/HostnameConflict"]);
    expect(conditionSummary(plan.gateways[0]!.conditions)).toEqual({ Accepted: "False/ListenersNotValid", Programmed: "False/Invalid" });
    expect(plan.ports).toEqual([]);
  });
  test("allowedRoutes.kinds with only unsupported kinds: accepted but not programmed, no supported kinds", () => {
    const plan = planOf(gatewayWith(`  - {name: a, protocol: TLS, port: 443, tls: {mode: Passthrough}, allowedRoutes: {kinds: [{kind: TCPRoute}]}}`));
    const listener = plan.gateways[0]!.listeners[0]!;
    expect(listener.supportedKinds).toEqual([]);
    expect(conditionSummary(listener.conditions)).toEqual({ Accepted: "True/Accepted", Programmed: "False/Invalid", ResolvedRefs: "False/InvalidRouteKinds", Conflicted: "False/NoConflicts" });
  });
  test("TLS listener with a tls block but no mode is Terminate (CRD default): UnsupportedValue", () => {
    const plan = planOf(gatewayWith(`  - {name: a, protocol: TLS, port: 443, tls: {certificateRefs: [{name: c}]}}`));
    expect(conditionSummary(plan.gateways[0]!.listeners[0]!.conditions)["Accepted"]).toBe("False/UnsupportedValue");
  });
});

describe("translate: backends", () => {
  const base = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: courier
  listeners: [{name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec: {ports: [{port: 5432}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-x, namespace: data, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
ports: [{port: 6432}]
endpoints: [{addresses: [10.1.0.1]}]
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: apps}
spec: {type: ExternalName, externalName: db.example.org, ports: [{port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: dns, namespace: apps}
spec: {ports: [{port: 53, protocol: UDP}]}
---
apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata: {name: db, namespace: apps}
spec: {type: ClusterSetIP, ports: [{name: pg, port: 5432, protocol: TCP}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-import-1, namespace: apps, labels: {multicluster.kubernetes.io/service-name: db}}
addressType: IPv4
ports: [{name: pg, port: 5432}]
endpoints: [{addresses: [10.2.0.1], conditions: {ready: true}}]
`;
  const grant = `
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow, namespace: data}
spec:
  from: [{group: gateway.networking.k8s.io, kind: TLSRoute, namespace: apps}]
  to: [{group: "", kind: Service, name: db}]
`;
  const cases: readonly [string, string, string, string][] = [
    ["cross-namespace Service without a grant", "{name: db, namespace: data, port: 5432}", "", "False/RefNotPermitted"],
    ["cross-namespace Service with a grant (unnamed port matches unnamed slice port)", "{name: db, namespace: data, port: 5432}", grant, "True/ResolvedRefs"],
    ["a grant for another Service name does not cover it", "{name: db, namespace: data, port: 5432}", grant.replace("name: db}", "name: other}"), "False/RefNotPermitted"],
    ["a grant without name covers every Service there", "{name: db, namespace: data, port: 5432}", grant.replace(", name: db}", "}"), "True/ResolvedRefs"],
    ["ExternalName Service refused", "{name: ext, port: 5432}", "", "False/UnsupportedValue"],
    ["UDP Service port refused", "{name: dns, port: 53}", "", "False/UnsupportedProtocol"],
    ["missing Service port", "{name: db, namespace: data, port: 1}", grant, "False/BackendNotFound"],
    ["ServiceImport via multicluster slices", "{group: multicluster.x-k8s.io, kind: ServiceImport, name: db, port: 5432}", "", "True/ResolvedRefs"],
    ["ServiceImport missing", "{group: multicluster.x-k8s.io, kind: ServiceImport, name: nope, port: 5432}", "", "False/BackendNotFound"],
    ["unknown kind", "{group: example.com, kind: Bucket, name: db, port: 5432}", "", "False/InvalidKind"],
  ];
  for (const [name, backend, extra, expected] of cases) {
    test(name, () => {
      const plan = planOf(base + extra + route("r", ["db.example.com"], "", backend).replaceAll("namespace: apps, generation: 5", "namespace: apps"));
      expect(routeConditions(plan, "r")).toEqual([{ Accepted: "True/Accepted", ResolvedRefs: expected }]);
      const planned = plan.ports[0]?.hosts[0]?.route.backends[0];
      expect(planned?.endpoints === undefined).toBe(!expected.startsWith("True"));
      expect(planned?.invalidReason === undefined).toBe(expected.startsWith("True"));
    });
  }
  test("endpoints: slice port matched by name, ServiceImport endpoints from its own slices", () => {
    const plan = planOf(base + grant + route("r", ["db.example.com"], "", "{name: db, namespace: data, port: 5432, weight: 3}, {group: multicluster.x-k8s.io, kind: ServiceImport, name: db, port: 5432, weight: 1}"));
    expect(portLines(plan)).toEqual([
      "0.0.0.0:443 db.example.com -> apps/r [Service data/db:5432(3)=10.1.0.1:6432 ServiceImport.multicluster.x-k8s.io apps/db:5432(1)=10.2.0.1:5432]",
    ]);
  });
  test("an invalid backend keeps its weight share in the plan (that share is refused)", () => {
    const plan = planOf(base + route("r", ["db.example.com"], "", "{name: db, namespace: data, port: 5432, weight: 1}, {group: multicluster.x-k8s.io, kind: ServiceImport, name: db, port: 5432, weight: 3}"));
    expect(portLines(plan)).toEqual([
      "0.0.0.0:443 db.example.com -> apps/r [Service data/db:5432(1)=invalid ServiceImport.multicluster.x-k8s.io apps/db:5432(3)=10.2.0.1:5432]",
    ]);
    expect(routeConditions(plan, "r")).toEqual([{ Accepted: "True/Accepted", ResolvedRefs: "False/RefNotPermitted" }]);
  });
});

describe("translate: EndpointSlice address types", () => {
  const slice = (name: string, addressType: string, address: string) => `
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${name}, namespace: apps, labels: {kubernetes.io/service-name: db}}
addressType: ${addressType}
ports: [{name: pg, port: 15432}]
endpoints: [{addresses: [${JSON.stringify(address)}], conditions: {ready: true}}]
`;

  test("a dual-stack Service (one slice per family for the same pods) dials its IPv4 slice: one endpoint per pod; an FQDN slice is ignored", () => {
    const plan = planOf(GATEWAY + slice("db-v6", "IPv6", "fd00::7") + slice("db-fqdn", "FQDN", "db.internal.example") + route("db", ["db.example.com"]));
    expect(portLines(plan)).toEqual(["0.0.0.0:443 db.example.com -> apps/db [Service apps/db:5432(1)=10.0.0.1:15432,10.0.0.2:15432]"]);
  });

  test("an IPv6-only Service dials its IPv6 slice", () => {
    const v6only = GATEWAY.replace("addressType: IPv4", "addressType: FQDN");
    const plan = planOf(v6only + slice("db-v6", "IPv6", "fd00::7") + route("db", ["db.example.com"]));
    expect(portLines(plan)).toEqual(["0.0.0.0:443 db.example.com -> apps/db [Service apps/db:5432(1)=fd00::7:15432]"]);
  });

  test("a Service with only FQDN slices has no endpoints (its references still resolve)", () => {
    const onlyFqdn = GATEWAY.replace("addressType: IPv4", "addressType: FQDN");
    const plan = planOf(onlyFqdn + route("db", ["db.example.com"]));
    expect(portLines(plan)).toEqual(["0.0.0.0:443 db.example.com -> apps/db [Service apps/db:5432(1)=]"]);
    expect(routeConditions(plan, "db")).toEqual([{ Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" }]);
  });

  test("an IPv6 Gateway address binds the listener there and shows as [addr]:port", () => {
    const plan = planOf(GATEWAY.replace("gatewayClassName: courier", 'gatewayClassName: courier\n  addresses: [{type: IPAddress, value: "::1"}]') + route("db", ["db.example.com"]));
    expect(plan.ports.map((port) => port.address)).toEqual(["::1"]);
    const gateway = plan.gateways.find((g) => g.key.name === "gw");
    expect(gateway?.addresses).toEqual([{ type: "IPAddress", value: "::1" }]);
  });
});

describe("translate: endpoint conditions", () => {
  const withEndpoints = (endpoints: string) =>
    GATEWAY.replace(/endpoints:\n(- .*\n)+/, `endpoints:\n${endpoints}\n`) + route("db", ["db.example.com"]);
  const cases: readonly [string, string, string][] = [
    ["ready nil counts as ready", "- {addresses: [10.0.0.1]}", "10.0.0.1:15432"],
    ["not ready is excluded", "- {addresses: [10.0.0.1], conditions: {ready: false}}\n- {addresses: [10.0.0.2], conditions: {ready: true}}", "10.0.0.2:15432"],
    [
      "terminating excluded while a ready one exists",
      "- {addresses: [10.0.0.1], conditions: {ready: false, serving: true, terminating: true}}\n- {addresses: [10.0.0.2]}",
      "10.0.0.2:15432",
    ],
    [
      "terminating but serving used when none is ready",
      "- {addresses: [10.0.0.1], conditions: {ready: false, serving: true, terminating: true}}\n- {addresses: [10.0.0.3], conditions: {ready: false, serving: false, terminating: true}}",
      "10.0.0.1:15432",
    ],
    ["nothing ready: empty endpoints, backend still valid", "- {addresses: [10.0.0.1], conditions: {ready: false}}", ""],
  ];
  for (const [name, endpoints, expected] of cases) {
    test(name, () => {
      const plan = planOf(withEndpoints(endpoints));
      const backend = plan.ports[0]?.hosts[0]?.route.backends[0];
      expect(backend?.endpoints?.map((e) => `${e.host}:${e.port}`).join(",")).toBe(expected);
      expect(routeConditions(plan, "db")[0]?.["ResolvedRefs"]).toBe("True/ResolvedRefs");
    });
  }
});

describe("translate: route precedence on one hostname", () => {
  const routeAt = (name: string, namespace: string, created: string, hostname: string) => `
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: ${name}, namespace: ${namespace}, creationTimestamp: "${created}"}
spec:
  parentRefs: [{name: gw, namespace: apps}]
  hostnames: ["${hostname}"]
  rules: [{backendRefs: [{name: db, namespace: apps, port: 5432}]}]
`;
  test("the oldest route wins an identical hostname; the loser stays Accepted and is told", () => {
    const plan = planOf(
      GATEWAY +
        routeAt("new", "apps", "2026-02-01T00:00:00Z", "db.example.com") +
        routeAt("old", "zeta", "2026-01-01T00:00:00Z", "db.example.com") +
        routeAt("wild", "apps", "2025-01-01T00:00:00Z", "*.example.com"),
    );
    expect(plan.ports[0]?.hosts.map((host) => `${host.hostname}=${host.route.id}`)).toEqual(["db.example.com=zeta/old", "*.example.com=apps/wild"]);
    const loser = plan.routes.find((entry) => entry.key.name === "new")!.parents[0]!.conditions[0]!;
    expect(`${loser.status}/${loser.reason}`).toBe("True/Accepted");
    expect(loser.message).toContain("hostname db.example.com on 0.0.0.0:443 is served by route zeta/old");
    expect(plan.warnings).toEqual(["TLSRoute apps/new: hostname db.example.com on 0.0.0.0:443 is served by route zeta/old, which takes precedence"]);
  });
  test("same age: namespace/name decides", () => {
    const plan = planOf(GATEWAY + routeAt("b", "apps", "2026-01-01T00:00:00Z", "db.example.com") + routeAt("a", "apps", "2026-01-01T00:00:00Z", "db.example.com"));
    expect(plan.ports[0]?.hosts.map((host) => host.route.id)).toEqual(["apps/a"]);
  });
  test("different hostnames never conflict: hosts ordered exact, longer wildcard, shorter wildcard, catch-all", () => {
    const plan = planOf(
      GATEWAY +
        routeAt("w1", "apps", "2026-01-01T00:00:00Z", "*.com") +
        routeAt("w2", "apps", "2026-01-01T00:00:00Z", "*.example.com") +
        routeAt("e", "apps", "2026-01-01T00:00:00Z", "db.example.com") +
        `
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: any, namespace: apps}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: db, port: 5432}]}]
`,
    );
    expect(plan.ports[0]?.hosts.map((host) => host.hostname)).toEqual(["db.example.com", "*.example.com", "*.com", "*"]);
    expect(plan.routes.find((entry) => entry.key.name === "any")?.apiVersion).toBe("gateway.networking.k8s.io/v1alpha2");
  });
});

describe("translate: v1alpha2 routes with several rules", () => {
  test("every rule's backends form one weighted set under one route id", () => {
    const plan = planOf(
      GATEWAY +
        `
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: multi, namespace: apps}
spec:
  parentRefs: [{name: gw}]
  hostnames: [db.example.com]
  rules:
  - backendRefs: [{name: db, port: 5432, weight: 2}]
  - backendRefs: [{name: gone, port: 5432, weight: 1}]
`,
    );
    expect(portLines(plan)).toEqual([
      "0.0.0.0:443 db.example.com -> apps/multi [Service apps/db:5432(2)=10.0.0.1:15432,10.0.0.2:15432 Service apps/gone:5432(1)=invalid]",
    ]);
  });
});

describe("translate: courier.dev annotations", () => {
  const annotated = (annotations: string) => GATEWAY + route("r", ["db.example.com"], `, annotations: {${annotations}}`);
  const cases: readonly [string, string, RouteSettings, string[]][] = [
    ["defaults", "", { fallback: false }, []],
    ["all set", '"courier.dev/fallback": "true", "courier.dev/idle-timeout": "90s", "courier.dev/tcp-keepalive": "1h30m"', { fallback: true, idleTimeoutMs: 90_000, keepAliveMs: 5_400_000 }, []],
    ['idle-timeout "0" turns the idle timeout off for the route', '"courier.dev/idle-timeout": "0"', { fallback: false, idleTimeoutMs: 0 }, []],
    ['proxy-protocol "v2" turns the PROXY header on for the route', '"courier.dev/proxy-protocol": "v2"', { fallback: false, proxyProtocol: "v2" }, []],
    [
      "bad values fall back to defaults, with warnings",
      '"courier.dev/fallback": "yes", "courier.dev/idle-timeout": "ten minutes", "courier.dev/proxy-protocol": "V2"',
      { fallback: false },
      [
        'TLSRoute apps/r: courier.dev/fallback: "yes" is not "true" or "false"; using false',
        'TLSRoute apps/r: courier.dev/idle-timeout: "ten minutes" is not a Go duration; ignored',
        'TLSRoute apps/r: courier.dev/proxy-protocol: "V2" is not "v2"; no PROXY protocol header is sent',
      ],
    ],
    [
      "health checks with defaults",
      '"courier.dev/health-check": "tls"',
      { fallback: false, healthCheck: { kind: "tls", intervalMs: 5_000, timeoutMs: 2_000, healthyThreshold: 2, unhealthyThreshold: 3 } },
      [],
    ],
    [
      "health checks tuned",
      '"courier.dev/health-check": "tcp", "courier.dev/health-check-interval": "200ms", "courier.dev/health-check-timeout": "100ms", "courier.dev/health-check-healthy-threshold": "1", "courier.dev/health-check-unhealthy-threshold": "100"',
      { fallback: false, healthCheck: { kind: "tcp", intervalMs: 200, timeoutMs: 100, healthyThreshold: 1, unhealthyThreshold: 100 } },
      [],
    ],
    [
      "bad health-check values fall back one by one, with warnings; the route stays",
      '"courier.dev/health-check": "tls", "courier.dev/health-check-interval": "1s", "courier.dev/health-check-timeout": "1s", "courier.dev/health-check-healthy-threshold": "0", "courier.dev/health-check-unhealthy-threshold": "2.5"',
      { fallback: false, healthCheck: { kind: "tls", intervalMs: 1_000, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 3 } },
      [
        'TLSRoute apps/r: courier.dev/health-check-timeout: "1s" is not shorter than the interval (1s); using 500ms',
        'TLSRoute apps/r: courier.dev/health-check-healthy-threshold: "0" is not a whole number in 1..100; using 2',
        'TLSRoute apps/r: courier.dev/health-check-unhealthy-threshold: "2.5" is not a whole number in 1..100; using 3',
      ],
    ],
    [
      "an unknown check kind: no checks, with a warning",
      '"courier.dev/health-check": "http", "courier.dev/health-check-interval": "10ms"',
      { fallback: false },
      ['TLSRoute apps/r: courier.dev/health-check: "http" is not "tcp" or "tls"; using no health checks'],
    ],
    [
      "tuning without a kind",
      '"courier.dev/health-check-interval": "1s"',
      { fallback: false },
      ["TLSRoute apps/r: courier.dev/health-check-interval: set without courier.dev/health-check; using no health checks"],
    ],
    [
      "an interval under 100ms",
      '"courier.dev/health-check": "tcp", "courier.dev/health-check-interval": "10ms"',
      { fallback: false, healthCheck: { kind: "tcp", intervalMs: 5_000, timeoutMs: 2_000, healthyThreshold: 2, unhealthyThreshold: 3 } },
      ['TLSRoute apps/r: courier.dev/health-check-interval: "10ms" is shorter than 100ms; using 5s'],
    ],
  ];
  for (const [name, annotations, settings, warnings] of cases) {
    test(name, () => {
      const plan = planOf(annotated(annotations));
      expect(plan.ports[0]?.hosts[0]?.route.settings).toEqual(settings);
      expect(plan.warnings).toEqual(warnings);
      const accepted = plan.routes[0]!.parents[0]!.conditions[0]!;
      expect(`${accepted.status}/${accepted.reason}`).toBe("True/Accepted");
      // Every warning is in the message kubectl describe shows.
      for (const warning of warnings) expect(accepted.message).toContain(`ignored annotation ${warning.slice("TLSRoute apps/r: ".length)}`);
    });
  }
});

describe("translate: Gateway spec.infrastructure.parametersRef (GatewayInvalidParametersRef)", () => {
  test("any parametersRef: Accepted=False/InvalidParameters and nothing served", () => {
    const plan = planOf(
      GATEWAY.replace("  gatewayClassName: courier\n", "  gatewayClassName: courier\n  infrastructure: {parametersRef: {group: example.com, kind: Config, name: nope}}\n") +
        route("db", ["db.example.com"]),
    );
    expect(conditionSummary(plan.gateways[0]!.conditions)).toEqual({ Accepted: "False/InvalidParameters", Programmed: "False/Invalid" });
    expect(plan.gateways[0]?.conditions[0]?.observedGeneration).toBe(2);
    expect(plan.ports).toEqual([]);
    expect(routeConditions(plan, "db")[0]?.["Accepted"]).toBe("False/NotAllowedByListeners");
  });
});

describe("translate: listener specificity before route age", () => {
  test("an SNI goes to the most specific listener's route even when another listener's route is older", () => {
    const plan = planOf(`
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: courier
  listeners:
  - {name: exact, protocol: TLS, port: 443, hostname: db.example.com, tls: {mode: Passthrough}}
  - {name: wild, protocol: TLS, port: 443, hostname: "*.example.com", tls: {mode: Passthrough}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: older, namespace: apps, creationTimestamp: "2020-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw, sectionName: wild}]
  hostnames: [db.example.com]
  rules: [{backendRefs: [{name: a, port: 1}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: newer, namespace: apps, creationTimestamp: "2026-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw, sectionName: exact}]
  hostnames: ["*.example.com"]
  rules: [{backendRefs: [{name: b, port: 1}]}]
`);
    expect(plan.ports[0]?.hosts.map((host) => `${host.hostname}=${host.route.id}`)).toEqual(["db.example.com=apps/newer"]);
    expect(plan.warnings).toEqual(["TLSRoute apps/older: hostname db.example.com on 0.0.0.0:443 is served by route apps/newer, which takes precedence"]);
  });
});

describe("translate: options", () => {
  test("a port offset beyond 65535 leaves the socket out with a warning", () => {
    const plan = planOf(GATEWAY + route("db", ["db.example.com"]), { portOffset: 65200 });
    expect(plan.ports).toEqual([]);
    expect(plan.warnings).toEqual(["port offset 65200 puts a listener on port 65643, outside 1-65535; not bound"]);
  });
  test("default bind address: the Gateway's first IPAddress; decided status addresses override status", () => {
    const plan = planOf(
      GATEWAY.replace("  gatewayClassName: courier\n", "  gatewayClassName: courier\n  addresses: [{type: Hostname, value: gw.example.com}, {value: 127.0.0.5}]\n") + route("db", ["db.example.com"]),
      { gatewayAddresses: new Map([[GATEWAY_KEY, { status: [{ type: "Hostname", value: "lb.example.com" }] }]]) },
    );
    expect(plan.ports.map((port) => port.address)).toEqual(["127.0.0.5"]);
    expect(plan.gateways[0]?.addresses).toEqual([{ type: "Hostname", value: "lb.example.com" }]);
  });
});

describe("translate: GatewayClass SupportedVersion (from the installed gatewayclasses CRD)", () => {
  const crdText = readFileSync(standardCrdFile("gateway.networking.k8s.io_gatewayclasses.yaml"), "utf8");
  const withCrd = (text: string | undefined) => {
    const { snapshot, errors } = normalizeObjects([courierClass, ...(text === undefined ? [] : manifestObjects(text, "crd.yaml"))]);
    expect(errors).toEqual([]);
    return conditionSummary(translate(snapshot).gatewayClasses[0]!.conditions);
  };
  const cases: readonly [string, string | undefined, Record<string, string>][] = [
    [`the ${GATEWAY_API_VERSION} CRD as shipped`, crdText, { Accepted: "True/Accepted", SupportedVersion: "True/SupportedVersion" }],
    ["annotation removed", crdText.replace(/ +gateway.networking.k8s.io\/bundle-version: \S+\n/, ""), { Accepted: "True/Accepted", SupportedVersion: "False/UnsupportedVersion" }],
    ["an unsupported bundle", crdText.replace(/bundle-version: \S+/, "bundle-version: v0.0.0"), { Accepted: "True/Accepted", SupportedVersion: "False/UnsupportedVersion" }],
    ["CRD not observed (file mode): no SupportedVersion condition", undefined, { Accepted: "True/Accepted" }],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => {
      expect(withCrd(text)).toEqual(expected);
    });
  }
});
