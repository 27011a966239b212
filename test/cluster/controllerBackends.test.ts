// Which routes attach and where their connections go, decided from live objects on
// the real API server: a listener admitting namespaces by label follows label
// changes, a ServiceImport's EndpointSlices serve its route, ExternalName Services
// are refused, endpoint conditions (ready, serving, terminating) are honoured, and
// a Service port finds its endpoint port by name.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Pki } from "../../demo/pki.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { startClusterBackends, type ClusterBackends } from "../helpers/clusterBackends.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import { isRefused, landing } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  eventually,
  gatewayClassYaml,
  gatewayYaml,
  importedEndpointSliceYaml,
  ROUTE_OK,
  serviceImportYaml,
  serviceYaml,
  startClusterProxy,
  tlsRouteYaml,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-backends-${process.pid}`;
const team = `ctl-backends-team-${process.pid}`;
const LABEL = "courier.test/edge-access";
// Routes live in the team namespace; the Gateway they attach to does not.
const EDGE = { name: "edge", namespace: ns };

let cluster: Cluster;
let backends: ClusterBackends | undefined;
let pki: Pki;
let proxy: ClusterProxy | undefined;
let at: Readonly<Record<string, string>>;

function slice(namespace: string, name: string, labels: string, ports: string, endpoints: string): string {
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${name}, namespace: ${namespace}, labels: {${labels}}}
addressType: IPv4
ports: ${ports}
endpoints: ${endpoints}
`;
}

async function reaches(sni: string, backend: string): Promise<void> {
  expect(await eventually(`${sni} -> ${backend}`, async () => ((await landing(proxy!.port(443), sni, pki.ca).catch(() => "refused")) === backend ? backend : undefined), 15_000)).toBe(backend);
}

beforeAll(async () => {
  cluster = await useCluster();
  backends = await startClusterBackends(
    "backends",
    ["team", "imported", "ready", "draining"].map((name) => ({ name, dnsNames: ["*.backends.test"] })),
  );
  ({ pki, address: at } = backends);
  // "draining" also listens on 9443: the Service's second port.
  await backends.net.startBackend("draining-9443", pki.issue("draining-9443", ["*.backends.test"]), at.draining!, 9443);
  await cluster.createNamespaces(ns, team);
  await cluster.kubectl(["label", "namespace", team, `${LABEL}=yes`, "--overwrite"]);
  await applyScenario(cluster, [], [
    gatewayClassYaml(),
    gatewayYaml(ns, "edge", { allowedRoutes: `{namespaces: {from: Selector, selector: {matchLabels: {${LABEL}: "yes"}}}}` }),
    // A route in a namespace the selector admits.
    serviceYaml(team, "svc", 443, 8443),
    slice(team, "svc-1", "kubernetes.io/service-name: svc", "[{name: tls, port: 8443}]", `[{addresses: ["${at.team}"]}]`),
    tlsRouteYaml(team, "team", EDGE, ["team.backends.test"], [{ name: "svc", port: 443 }]),
    // A ServiceImport and the slice the MCS controller would write for it.
    serviceImportYaml(team, "imported"),
    importedEndpointSliceYaml(team, "imported", [at.imported!], 8443),
    tlsRouteYaml(team, "imported", EDGE, ["imported.backends.test"], [{ name: "imported", port: 443, serviceImport: true }]),
    `apiVersion: v1
kind: Service
metadata: {name: outside, namespace: ${team}}
spec: {type: ExternalName, externalName: db.example.org}
`,
    tlsRouteYaml(team, "outside", EDGE, ["outside.backends.test"], [{ name: "outside", port: 443 }]),
    // Two ports by name; endpoints in every condition.
    `apiVersion: v1
kind: Service
metadata: {name: pool, namespace: ${team}}
spec:
  ports:
  - {name: main, port: 443, targetPort: main}
  - {name: alt, port: 8443, targetPort: alt}
`,
    slice(
      team,
      "pool-1",
      "kubernetes.io/service-name: pool",
      // Listed in the opposite order of the Service's ports, with other numbers: only names connect them.
      "[{name: alt, port: 9443}, {name: main, port: 8443}]",
      `[{addresses: ["${at.ready}"], conditions: {ready: true}}, {addresses: ["${at.draining}"], conditions: {ready: false, serving: true, terminating: true}}, {addresses: ["198.18.255.252"], conditions: {ready: false}}]`,
    ),
    tlsRouteYaml(team, "pool", EDGE, ["pool.backends.test"], [{ name: "pool", port: 443 }]),
    tlsRouteYaml(team, "pool-alt", EDGE, ["alt.backends.test"], [{ name: "pool", port: 8443 }]),
  ]);
  proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns });
  await waitRouteConditions(cluster, team, "team", ROUTE_OK);
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  if (cluster !== undefined) {
    await deleteTestObjects(cluster, ns);
    await deleteTestObjects(cluster, team);
    await cluster.kubectl(["delete", "serviceimports.multicluster.x-k8s.io", "-n", team, "--all", "--ignore-not-found"]);
  }
  await backends?.close();
});

describe("backends and attachment from live objects", () => {
  test("allowedRoutes from: Selector follows the namespace's labels as they change", async () => {
    await reaches("team.backends.test", "team");
    await cluster.kubectl(["label", "namespace", team, `${LABEL}-`]);
    await waitRouteConditions(cluster, team, "team", { Accepted: "False/NotAllowedByListeners", ResolvedRefs: "True/ResolvedRefs" });
    expect(await eventually("refused", async () => ((await isRefused(proxy!.port(443), "team.backends.test", pki.ca)) ? true : undefined), 15_000)).toBe(true);
    await cluster.kubectl(["label", "namespace", team, `${LABEL}=yes`]);
    await waitRouteConditions(cluster, team, "team", ROUTE_OK);
    await reaches("team.backends.test", "team");
  }, 60_000);

  test("a ServiceImport backend reaches the endpoints of its multicluster EndpointSlice", async () => {
    await waitRouteConditions(cluster, team, "imported", ROUTE_OK);
    await reaches("imported.backends.test", "imported");
  });

  test("an ExternalName Service is refused with a reason, and so are its connections", async () => {
    const route = await waitRouteConditions(cluster, team, "outside", { Accepted: "True/Accepted", ResolvedRefs: "False/UnsupportedValue" });
    expect(JSON.stringify(route.status)).toContain("ExternalName");
    expect(await isRefused(proxy!.port(443), "outside.backends.test", pki.ca)).toBe(true);
  });

  test("only ready endpoints take connections; serving-while-terminating ones only when none is ready", async () => {
    await waitRouteConditions(cluster, team, "pool", ROUTE_OK);
    for (let i = 0; i < 10; i++) expect(await landing(proxy!.port(443), "pool.backends.test", pki.ca)).toBe("ready");
    // The ready endpoint goes: the terminating one that still serves takes over, the unready one never does.
    await cluster.apply(
      slice(
        team,
        "pool-1",
        "kubernetes.io/service-name: pool",
        "[{name: alt, port: 9443}, {name: main, port: 8443}]",
        `[{addresses: ["${at.draining}"], conditions: {ready: false, serving: true, terminating: true}}, {addresses: ["198.18.255.252"], conditions: {ready: false}}]`,
      ),
    );
    await reaches("pool.backends.test", "draining");
    for (let i = 0; i < 10; i++) expect(await landing(proxy!.port(443), "pool.backends.test", pki.ca)).toBe("draining");
  }, 60_000);

  test("the Service port picks its endpoint port by name", async () => {
    await waitRouteConditions(cluster, team, "pool-alt", ROUTE_OK);
    // Service port 8443 is named alt; the slice's alt port is 9443, where draining-9443 listens.
    await reaches("alt.backends.test", "draining-9443");
  });

  test("two routes claim one hostname: the older wins over name order; deleted, the newer takes over", async () => {
    const route = (name: string, service: string): string =>
      tlsRouteYaml(team, name, EDGE, ["dup.backends.test"], [{ name: service, port: 443 }]);
    await cluster.apply(route("zz-older", "svc"));
    await waitRouteConditions(cluster, team, "zz-older", ROUTE_OK);
    // creationTimestamp has whole seconds: make the second route visibly younger.
    await Bun.sleep(1_100);
    await cluster.apply([serviceYaml(team, "svc2", 443, 8443), slice(team, "svc2-1", "kubernetes.io/service-name: svc2", "[{name: tls, port: 8443}]", `[{addresses: ["${at.imported}"]}]`), route("aa-newer", "svc2")].join("---\n"));
    const loser = await waitRouteConditions(cluster, team, "aa-newer", ROUTE_OK);
    // Still attached (the Gateway API has no condition for a lost tie), but its message says who serves the name.
    expect(JSON.stringify(loser.status)).toContain(`hostname dup.backends.test on 127.0.0.1:${proxy!.port(443)} is served by route ${team}/zz-older, which takes precedence`);
    for (let i = 0; i < 5; i++) expect(await landing(proxy!.port(443), "dup.backends.test", pki.ca)).toBe("team");
    await cluster.kubectl(["delete", "tlsroute", "-n", team, "zz-older"]);
    await reaches("dup.backends.test", "imported");
    const winner = await eventually("the precedence note gone", async () => {
      const r = await waitRouteConditions(cluster, team, "aa-newer", ROUTE_OK);
      return JSON.stringify(r.status).includes("takes precedence") ? undefined : r;
    });
    expect(JSON.stringify(winner.status)).not.toContain("zz-older");
  }, 60_000);
});
