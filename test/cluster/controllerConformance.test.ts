// Every TLSRoute scenario of the Gateway API conformance manifests (at the version
// pinned in scripts/versions.env), applied as-is to the real API server (class
// placeholder -> "courier"), one after another
// with one Courier watching: the exact status it writes (conditions and reasons,
// listener supportedKinds and attachedRoutes, observedGeneration), and where traffic
// goes. The suite's base Services get EndpointSlices pointing at real TLS servers
// in a network namespace (there is no kubelet to run its Deployments).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { createPki, type Pki } from "../../demo/pki.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { conformanceBaseFile, conformanceTestFile } from "../helpers/gatewayApi.ts";
import { createBackendNet, type BackendNet } from "../helpers/netnsBackends.ts";
import { isRefused, landing, openTls } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  CONTROLLER,
  gatewayClassYaml,
  getObject,
  type KubeJson,
  listenersOf,
  routeParentsOf,
  startClusterProxy,
  summary,
} from "./controllerKit.ts";

const INFRA = "gateway-conformance-infra";
const APP = "gateway-conformance-app-backend";
const TLS_ROUTE_KIND = { group: "gateway.networking.k8s.io", kind: "TLSRoute" };
const ROUTE_OK = { Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" };
const LISTENER_OK = { Accepted: "True/Accepted", Programmed: "True/Programmed", ResolvedRefs: "True/ResolvedRefs", Conflicted: "False/NoConflicts" };
const GATEWAY_OK = { Accepted: "True/Accepted", Programmed: "True/Programmed" };

let cluster: Cluster;
let net: BackendNet;
let pki: Pki;
let pkiDir: string;
let proxy: ClusterProxy | undefined;
let applied: string | undefined;

/** A manifest path with the suite's class placeholder replaced. */
function manifest(path: string): string {
  return readFileSync(path, "utf8").replaceAll("{GATEWAY_CLASS_NAME}", "courier");
}

function scenario(file: string): string {
  return manifest(conformanceTestFile(file));
}

/** The base manifests' Namespaces and Services (the Deployments need a kubelet; its Gateways belong to other tests). */
function baseNamespacesAndServices(): string {
  return parseAllDocuments(manifest(conformanceBaseFile()))
    .map((d) => d.toJS() as { kind?: string } | null)
    .filter((o) => o?.kind === "Namespace" || o?.kind === "Service")
    .map((o) => stringify(o))
    .join("---\n");
}

/** An EndpointSlice as the endpoints controller would write it for one ready pod at `address`. */
function sliceFor(namespace: string, service: string, address: string, ports: readonly { name: string; port: number }[]): string {
  return stringify({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `${service}-conformance`, namespace, labels: { "kubernetes.io/service-name": service } },
    addressType: "IPv4",
    ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: "TCP" })),
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
  });
}

async function applyScenario(file: string): Promise<void> {
  applied = scenario(file);
  await cluster.apply(applied);
}

/** Deletes the scenario's objects so that the next one starts from nothing of it. */
async function removeScenario(): Promise<void> {
  if (applied === undefined) return;
  await cluster.kubectl(["delete", "--ignore-not-found", "--wait=true", "-f", "-"], { stdin: applied });
  applied = undefined;
}

/** Polls until `view()` equals `expected` (JSON), returns the last view for the assertion. */
async function settle(view: () => Promise<unknown>, expected: unknown, timeoutMs = 30_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = await view().catch((error: unknown) => `error: ${String(error)}`);
    if (JSON.stringify(last) === JSON.stringify(expected)) return last;
    await Bun.sleep(100);
  }
  return last;
}

async function expectEventually(view: () => Promise<unknown>, expected: unknown): Promise<void> {
  expect(await settle(view, expected)).toEqual(expected);
}

/** Every condition of the object carries its current metadata.generation. */
function generationsCurrent(object: KubeJson | undefined, conditions: readonly unknown[]): boolean {
  const generation = object?.metadata.generation;
  return conditions.every((c) => (c as { observedGeneration?: number }).observedGeneration === generation);
}

/** Our parent entries of a route: the parentRef we copied and the conditions' type -> status/reason. */
function routeView(name: string, namespace = INFRA): () => Promise<unknown> {
  return async () => {
    const route = await getObject(cluster, "tlsroutes.gateway.networking.k8s.io", namespace, name);
    const ours = routeParentsOf(route).filter((p) => p.controllerName === CONTROLLER);
    return ours.map((p) => ({ conditions: summary(p.conditions), current: generationsCurrent(route, p.conditions) }));
  };
}

function routeAccepted(conditions: Record<string, string> = ROUTE_OK): unknown {
  return [{ conditions, current: true }];
}

interface ListenerExpectation {
  readonly name: string;
  readonly attachedRoutes: number;
  readonly supportedKinds: readonly unknown[];
  readonly conditions: Record<string, string>;
}

function gatewayView(name: string, namespace = INFRA): () => Promise<unknown> {
  return async () => {
    const gateway = await getObject(cluster, "gateways.gateway.networking.k8s.io", namespace, name);
    const conditions = (gateway?.status?.conditions ?? []) as unknown[];
    const listeners = listenersOf(gateway);
    return {
      conditions: summary(conditions),
      listeners: listeners.map((l) => ({ name: l.name, attachedRoutes: l.attachedRoutes, supportedKinds: l.supportedKinds, conditions: summary(l.conditions) })),
      current: generationsCurrent(gateway, [...conditions, ...listeners.flatMap((l) => l.conditions)]),
    };
  };
}

function gatewayExpect(conditions: Record<string, string>, listeners: readonly ListenerExpectation[]): unknown {
  return { conditions, listeners, current: true };
}

async function reaches(sni: string, backend: string): Promise<void> {
  const port = proxy!.port(443);
  // The Plan may trail the status by a coalescing interval: wait for the first success.
  expect(await settle(() => landing(port, sni, pki.ca), backend, 10_000)).toBe(backend);
}

async function refused(sni: string): Promise<void> {
  expect(await settle(() => isRefused(proxy!.port(443), sni, pki.ca), true, 10_000)).toBe(true);
}

beforeAll(async () => {
  cluster = await useCluster();
  pkiDir = mkdtempSync(join(tmpdir(), "courier-conformance-pki-"));
  pki = createPki(pkiDir);
  net = await createBackendNet(4);
  const backends = [
    { greeting: "infra/tls-backend", namespace: INFRA, service: "tls-backend", ports: [{ name: "", port: 8443 }] },
    { greeting: "infra/tls-backend-2", namespace: INFRA, service: "tls-backend-2", ports: [{ name: "", port: 8443 }] },
    { greeting: "app-backend/tls-backend", namespace: APP, service: "tls-backend", ports: [{ name: "", port: 8443 }] },
    { greeting: "infra/tcp-backend", namespace: INFRA, service: "tcp-backend", ports: [{ name: "echo-tcp-plain", port: 3000 }, { name: "echo-tcp-tls", port: 8443 }] },
  ];
  const slices: string[] = [];
  for (const [i, b] of backends.entries()) {
    const cert = pki.issue(`backend-${i}`, ["*.example.com", "example.com"]);
    await net.startBackend(b.greeting, cert, net.addresses[i]!, 8443);
    slices.push(sliceFor(b.namespace, b.service, net.addresses[i]!, b.ports));
  }
  await cluster.apply([gatewayClassYaml(), baseNamespacesAndServices()].join("---\n"));
  await cluster.apply(slices.join("---\n"));
  proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: INFRA });
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  if (cluster !== undefined) {
    await removeScenario();
    await cluster.kubectl(["delete", "--ignore-not-found", "-n", INFRA, "endpointslices", "--all"]);
    await cluster.kubectl(["delete", "--ignore-not-found", "-n", APP, "endpointslices", "--all"]);
  }
  await net?.close();
  if (pkiDir !== undefined) rmSync(pkiDir, { recursive: true, force: true });
});

describe("conformance on the real API server", () => {
  test("GatewayClass courier: Accepted, SupportedVersion, supportedFeatures sorted by name", async () => {
    const view = async (): Promise<unknown> => {
      const gc = await getObject(cluster, "gatewayclasses.gateway.networking.k8s.io", undefined, "courier");
      const features = ((gc?.status?.supportedFeatures ?? []) as { name: string }[]).map((f) => f.name);
      return { conditions: summary(gc?.status?.conditions), sorted: features.length > 0 && features.join() === [...features].sort().join(), current: generationsCurrent(gc, (gc?.status?.conditions ?? []) as unknown[]) };
    };
    await expectEventually(view, { conditions: { Accepted: "True/Accepted", SupportedVersion: "True/SupportedVersion" }, sorted: true, current: true });
    // GatewayClassObservedGenerationBump: a spec change bumps the generation; the conditions follow.
    const before = (await getObject(cluster, "gatewayclasses.gateway.networking.k8s.io", undefined, "courier"))?.metadata.generation ?? 0;
    await cluster.kubectl(["patch", "gatewayclass", "courier", "--type=merge", "-p", JSON.stringify({ spec: { description: `generation bump ${Date.now()}` } })]);
    expect((await getObject(cluster, "gatewayclasses.gateway.networking.k8s.io", undefined, "courier"))?.metadata.generation).toBe(before + 1);
    await expectEventually(view, { conditions: { Accepted: "True/Accepted", SupportedVersion: "True/SupportedVersion" }, sorted: true, current: true });
  });

  test("TLSRouteSimpleSameNamespace", async () => {
    await applyScenario("tlsroute-simple-same-namespace.yaml");
    await expectEventually(routeView("gateway-conformance-infra-test"), routeAccepted());
    await expectEventually(gatewayView("gateway-tlsroute"), gatewayExpect(GATEWAY_OK, [{ name: "https", attachedRoutes: 1, supportedKinds: [TLS_ROUTE_KIND], conditions: LISTENER_OK }]));
    const route = await getObject(cluster, "tlsroute", INFRA, "gateway-conformance-infra-test");
    expect(routeParentsOf(route)[0]!.parentRef).toEqual({ group: "gateway.networking.k8s.io", kind: "Gateway", namespace: INFRA, name: "gateway-tlsroute" });
    // abc.example.com reaches tcp-backend's TLS port (named port echo-tcp-tls -> 8443), and the client verifies its certificate.
    await reaches("abc.example.com", "infra/tcp-backend");
    const session = await openTls(proxy!.port(443), "abc.example.com", pki.ca);
    expect(session.peerNames).toContain("DNS:*.example.com");
    session.socket.destroy();
    await refused("def.example.com");
    // A spec change bumps the generation; every condition follows it.
    await cluster.kubectl(["patch", "tlsroute", "-n", INFRA, "gateway-conformance-infra-test", "--type=json", "-p", '[{"op":"add","path":"/spec/rules/0/backendRefs/0/weight","value":2}]']);
    expect((await getObject(cluster, "tlsroute", INFRA, "gateway-conformance-infra-test"))?.metadata.generation).toBe(2);
    await expectEventually(routeView("gateway-conformance-infra-test"), routeAccepted());
    // GatewayObservedGenerationBump: the Gateway's and its listeners' conditions follow its generation.
    await cluster.kubectl(["patch", "gateway", "-n", INFRA, "gateway-tlsroute", "--type=merge", "-p", '{"spec":{"infrastructure":{"labels":{"bumped":"yes"}}}}']);
    expect((await getObject(cluster, "gateway", INFRA, "gateway-tlsroute"))?.metadata.generation).toBe(2);
    await expectEventually(gatewayView("gateway-tlsroute"), gatewayExpect(GATEWAY_OK, [{ name: "https", attachedRoutes: 1, supportedKinds: [TLS_ROUTE_KIND], conditions: LISTENER_OK }]));
    await removeScenario();
  }, 120_000);

  test("TLSRouteHostnameIntersection", async () => {
    await applyScenario("tlsroute-hostname-intersection.yaml");
    for (const route of [
      "tlsroute-more-specific-wc-hostname-x-1",
      "tlsroute-exact-hostname-x-2",
      "tlsroute-less-specific-wc-hostname-x-2",
      "tlsroute-exact-hostname-x-3",
      "tlsroute-more-specific-wc-hostname-x-3",
      "tlsroute-exact-hostname-x-4",
      "tlsroute-less-specific-wc-hostname-x-4",
    ]) {
      await expectEventually(routeView(route), routeAccepted());
    }
    for (const [gateway, listener, attached] of [
      ["gw-tlsroute-exact-hostname-x-1", "listener-exact-hostname", 1],
      ["gw-tlsroute-more-specific-wc-hostname-x-2", "listener-more-specific-wc-hostname", 2],
      ["gw-tlsroute-less-specific-wc-hostname-x-3", "listener-less-specific-wc-hostname", 2],
      ["gw-tlsroute-empty-hostname-x-4", "listener-empty-hostname", 2],
    ] as const) {
      await expectEventually(gatewayView(gateway), gatewayExpect(GATEWAY_OK, [{ name: listener, attachedRoutes: attached, supportedKinds: [TLS_ROUTE_KIND], conditions: LISTENER_OK }]));
    }
    // All four Gateways share Courier's one address here, so their tables merge on one socket.
    await reaches("abc.example.com", "infra/tls-backend");
    await reaches("other.example.com", "infra/tls-backend-2");
    await refused("non.matching.com");
    await removeScenario();
  }, 120_000);

  test("TLSRouteInvalidBackendRefNonexistent", async () => {
    await applyScenario("tlsroute-invalid-backendref-nonexistent.yaml");
    await expectEventually(routeView("invalid-backend-ref-nonexistent"), routeAccepted({ Accepted: "True/Accepted", ResolvedRefs: "False/BackendNotFound" }));
    await refused("example.com");
    await removeScenario();
  }, 60_000);

  test("TLSRouteInvalidBackendRefUnknownKind", async () => {
    await applyScenario("tlsroute-invalid-backendref-unknown-kind.yaml");
    await expectEventually(routeView("invalid-backend-ref-unknown-kind"), routeAccepted({ Accepted: "True/Accepted", ResolvedRefs: "False/InvalidKind" }));
    await removeScenario();
  }, 60_000);

  test("TLSRouteInvalidNoMatchingListenerHostname", async () => {
    await applyScenario("tlsroute-invalid-no-matching-listener-hostname.yaml");
    for (const route of ["tlsroute-hostname-mismatch-1", "tlsroute-hostname-mismatch-2"]) {
      await expectEventually(routeView(route), routeAccepted({ Accepted: "False/NoMatchingListenerHostname", ResolvedRefs: "True/ResolvedRefs" }));
    }
    for (const gateway of ["gateway-tls-exact-hostname", "gateway-tls-wildcard-hostname"]) {
      await expectEventually(gatewayView(gateway), gatewayExpect(GATEWAY_OK, [{ name: "tls", attachedRoutes: 0, supportedKinds: [TLS_ROUTE_KIND], conditions: LISTENER_OK }]));
    }
    await removeScenario();
  }, 60_000);

  test("TLSRouteInvalidNoMatchingListener", async () => {
    await applyScenario("tlsroute-invalid-no-matching-listener.yaml");
    await expectEventually(routeView("tlsroute-not-allowed-protocol-http"), routeAccepted({ Accepted: "False/NotAllowedByListeners", ResolvedRefs: "True/ResolvedRefs" }));
    await expectEventually(routeView("tlsroute-not-allowed-protocol-https"), routeAccepted({ Accepted: "False/NotAllowedByListeners", ResolvedRefs: "True/ResolvedRefs" }));
    await expectEventually(routeView("tlsroute-no-matching-section-name"), routeAccepted({ Accepted: "False/NoMatchingParent", ResolvedRefs: "True/ResolvedRefs" }));
    for (const [gateway, listener] of [
      ["gateway-tlsroute-http-only", "http"],
      ["gateway-tlsroute-https-only", "https"],
    ] as const) {
      await settle(async () => ((await gatewayView(gateway)()) as { conditions: Record<string, string> }).conditions.Accepted, "False/ListenersNotValid");
      expect(await gatewayView(gateway)()).toMatchObject({
        conditions: { Accepted: "False/ListenersNotValid", Programmed: "False/Invalid" },
        listeners: [{ name: listener, attachedRoutes: 0, supportedKinds: [], conditions: { Accepted: "False/UnsupportedProtocol", Programmed: "False/Invalid" } }],
        current: true,
      });
    }
    await expectEventually(gatewayView("gateway-tlsroute-tls-passthrough-only"), gatewayExpect(GATEWAY_OK, [{ name: "tls-passthrough", attachedRoutes: 0, supportedKinds: [TLS_ROUTE_KIND], conditions: LISTENER_OK }]));
    await removeScenario();
  }, 60_000);

  test("TLSRouteInvalidReferenceGrant: every near-miss grant refused; a matching grant admits; deleting it revokes", async () => {
    await applyScenario("tlsroute-invalid-reference-grant.yaml");
    const route = routeView("gateway-conformance-infra-test");
    await expectEventually(route, routeAccepted({ Accepted: "True/Accepted", ResolvedRefs: "False/RefNotPermitted" }));
    await refused("abc.example.com");

    await cluster.apply(`apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: reference-grant-right, namespace: ${APP}}
spec:
  from: [{group: gateway.networking.k8s.io, kind: TLSRoute, namespace: ${INFRA}}]
  to: [{group: "", kind: Service, name: tls-backend}]
`);
    await expectEventually(route, routeAccepted(ROUTE_OK));
    await reaches("abc.example.com", "app-backend/tls-backend");

    await cluster.kubectl(["delete", "referencegrant", "-n", APP, "reference-grant-right"]);
    await expectEventually(route, routeAccepted({ Accepted: "True/Accepted", ResolvedRefs: "False/RefNotPermitted" }));
    await refused("abc.example.com");
    await removeScenario();
  }, 120_000);

  test("TLSRouteListenerPassthroughSupportedKinds", async () => {
    await applyScenario("tlsroute-listener-passthrough-supported-kinds.yaml");
    await expectEventually(
      gatewayView("gateway-tlsroute-passthrough-supported-kind"),
      gatewayExpect({ Accepted: "True/ListenersNotValid", Programmed: "True/Programmed" }, [
        {
          name: "tls-passthrough",
          attachedRoutes: 0,
          supportedKinds: [TLS_ROUTE_KIND],
          conditions: { Accepted: "True/Accepted", Programmed: "True/Programmed", ResolvedRefs: "False/InvalidRouteKinds", Conflicted: "False/NoConflicts" },
        },
      ]),
    );
    await removeScenario();
  }, 60_000);

  for (const [file, gateway] of [
    ["tlsroute-listener-terminate-not-supported.yaml", "gateway-tlsroute-terminate-unsupported"],
    ["tlsroute-listener-terminate-supported-kinds.yaml", "gateway-tlsroute-terminate-supported"],
  ] as const) {
    test(`${file}: Terminate listener Accepted=False/UnsupportedValue, no supportedKinds`, async () => {
      await applyScenario(file);
      const view = gatewayView(gateway);
      const want = { listeners: [{ name: "tls-terminate", attachedRoutes: 0, supportedKinds: [], conditions: { Accepted: "False/UnsupportedValue", Programmed: "False/Invalid" } }], current: true };
      await settle(async () => {
        const v = (await view()) as { listeners: { conditions: Record<string, string> }[] };
        return v.listeners[0]?.conditions.Accepted;
      }, "False/UnsupportedValue");
      expect(await view()).toMatchObject(want);
      await removeScenario();
    }, 60_000);
  }

  test("TLSRouteListenerMixedTerminationNotSupported", async () => {
    await applyScenario("tlsroute-listener-mixed-termination-not-supported.yaml");
    const view = gatewayView("gateway-tlsroute-mixed-termination-not-supported");
    await settle(async () => ((await view()) as { listeners: unknown[] }).listeners.length, 2);
    const listener = { attachedRoutes: 0, supportedKinds: [], conditions: { Accepted: "False/ProtocolConflict", Conflicted: "True/ProtocolConflict" } };
    expect(await view()).toMatchObject({ listeners: [{ name: "tls-terminate", ...listener }, { name: "tls-passthrough", ...listener }], current: true });
    await removeScenario();
  }, 60_000);

  test("TLSRouteMixedTerminationSameNamespace (Terminate not claimed): routes NotAllowedByListeners", async () => {
    await applyScenario("tlsroute-mixed-termination-same-namespace.yaml");
    for (const route of ["gateway-conformance-mixed-passthroughroute", "gateway-conformance-mixed-terminateroute"]) {
      await expectEventually(async () => ((await routeView(route)()) as { conditions: Record<string, string> }[]).map((p) => p.conditions.Accepted), ["False/NotAllowedByListeners"]);
    }
    const gateway = (await gatewayView("gateway-tlsroute-mixed-termination")()) as { listeners: { name: string; conditions: Record<string, string> }[] };
    expect(gateway.listeners.find((l) => l.name === "tls-passthrough")?.conditions.Accepted).toBe("False/ProtocolConflict");
    await removeScenario();
  }, 60_000);

  test("TLSRouteTerminateSimpleSameNamespace (Terminate not claimed): route NotAllowedByListeners", async () => {
    await applyScenario("tlsroute-terminate-simple-same-namespace.yaml");
    await expectEventually(async () => ((await routeView("tlsroute-terminated-test")()) as { conditions: Record<string, string> }[]).map((p) => p.conditions.Accepted), ["False/NotAllowedByListeners"]);
    const gateway = (await gatewayView("gateway-tlsroute-terminate")()) as { listeners: { name: string; conditions: Record<string, string> }[] };
    expect(gateway.listeners.find((l) => l.name === "tlsterminate")?.conditions.Accepted).toBe("False/UnsupportedValue");
    await removeScenario();
  }, 60_000);
});
