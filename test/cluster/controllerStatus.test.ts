// How Courier writes status on the real API server: it shares status.parents with
// other controllers (their entries keep their content and place), writes only when
// something changed (no write storms on unrelated churn, no flapping timestamps),
// and lastTransitionTime moves only when a condition's status does.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import {
  type ClusterProxy,
  CONTROLLER,
  deleteTestObjects,
  endpointSliceYaml,
  gatewayClassYaml,
  gatewayYaml,
  getObject,
  type KubeJson,
  ROUTE_OK,
  routeParentsOf,
  serviceWithEndpointsYaml,
  serviceYaml,
  startClusterProxy,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-status-${process.pid}`;
const OTHER = "example.com/other-controller";
let cluster: Cluster;
let proxy: ClusterProxy | undefined;

beforeAll(async () => {
  cluster = await useCluster();
  await applyScenario(cluster, [ns], [
    gatewayClassYaml(),
    `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: other-${process.pid}}
spec: {controllerName: ${OTHER}}
`,
    gatewayYaml(ns, "edge", { allowedRoutes: null }),
    gatewayYaml(ns, "theirs", { allowedRoutes: null, gatewayClassName: `other-${process.pid}` }),
    `apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: shared, namespace: ${ns}}
spec:
  parentRefs: [{name: theirs}, {name: edge}]
  hostnames: [shared.status.test]
  rules:
  - backendRefs: [{name: db, port: 443}]
`,
    serviceWithEndpointsYaml(ns, "db", ["198.18.255.253"]),
  ]);
  proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns, extra: ["--log-level", "debug"] });
  await waitRouteConditions(cluster, ns, "shared", ROUTE_OK);
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  if (cluster !== undefined) {
    await deleteTestObjects(cluster, ns);
    await cluster.kubectl(["delete", "gatewayclass", `other-${process.pid}`, "--ignore-not-found"]);
  }
});

const foreignEntry = {
  parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "theirs" },
  controllerName: OTHER,
  conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: "theirs", observedGeneration: 1, lastTransitionTime: "2026-01-01T00:00:00Z" }],
};

async function route(): Promise<KubeJson> {
  return (await getObject(cluster, "tlsroute", ns, "shared"))!;
}

function statusWrites(): number {
  return proxy!.process.logs().split("\n").filter((line) => / DEBUG status written/.test(line)).length;
}

describe("status writing", () => {
  test("Courier writes no entry for a parent of another class", async () => {
    const parents = routeParentsOf(await route());
    expect(parents.map((p) => [p.controllerName, p.parentRef.name])).toEqual([[CONTROLLER, "edge"]]);
  });

  test("another controller's entry keeps its content and its place while Courier updates its own", async () => {
    const ours = routeParentsOf(await route())[0]!;
    // The other controller writes its entry first in the list, before ours.
    const patch = JSON.stringify({ status: { parents: [foreignEntry, ours] } });
    const result = await cluster.kubectl(["patch", "tlsroute", "-n", ns, "shared", "--subresource=status", "--type=merge", "-p", patch]);
    expect(result.stderr).toBe("");
    // Courier's own entry changes: the backend Service goes away.
    await cluster.kubectl(["delete", "service", "-n", ns, "db"]);
    const changed = await waitRouteConditions(cluster, ns, "shared", { Accepted: "True/Accepted", ResolvedRefs: "False/BackendNotFound" });
    const parents = routeParentsOf(changed);
    expect(parents.map((p) => p.controllerName)).toEqual([OTHER, CONTROLLER]);
    expect(parents[0]).toEqual(foreignEntry);
    // Accepted stayed True: its lastTransitionTime did not move; ResolvedRefs flipped: it did.
    const before = Object.fromEntries(ours.conditions.map((c) => [c.type, c.lastTransitionTime]));
    const after = Object.fromEntries(parents[1]!.conditions.map((c) => [c.type, c.lastTransitionTime]));
    expect(after.Accepted).toBe(before.Accepted);
    expect(after.ResolvedRefs! >= before.ResolvedRefs!).toBe(true);
    await cluster.apply(serviceYaml(ns, "db", 443, 8443));
    const restored = await waitRouteConditions(cluster, ns, "shared", ROUTE_OK);
    expect(routeParentsOf(restored)[0]).toEqual(foreignEntry);
  }, 60_000);

  test("unrelated churn causes no status writes: resourceVersions stay put", async () => {
    await Bun.sleep(1_000);
    const versions = async (): Promise<string[]> =>
      Promise.all([
        getObject(cluster, "tlsroute", ns, "shared").then((o) => o?.metadata.resourceVersion ?? ""),
        getObject(cluster, "gateway", ns, "edge").then((o) => o?.metadata.resourceVersion ?? ""),
        getObject(cluster, "gatewayclass", undefined, "courier").then((o) => o?.metadata.resourceVersion ?? ""),
      ]);
    const before = await versions();
    const writesBefore = statusWrites();
    // Twenty endpoint changes and label changes: each rebuilds the Plan, none changes a status.
    for (let i = 0; i < 20; i++) {
      await cluster.apply(endpointSliceYaml(ns, "db", [`198.18.255.${200 + (i % 10)}`], 8443));
      await cluster.kubectl(["label", "service", "-n", ns, "db", `churn=${i}`, "--overwrite"]);
    }
    await Bun.sleep(2_000);
    expect(proxy!.process.logs()).toContain("configuration loaded");
    expect(statusWrites()).toBe(writesBefore);
    expect(await versions()).toEqual(before);
  }, 120_000);

  test("a burst of spec changes ends with the status of the last generation", async () => {
    const writesBefore = statusWrites();
    const start = (await route()).metadata.generation ?? 0;
    // 21 quick flips between a Service that does not exist and one that does, ending on the missing one.
    for (let i = 0; i < 21; i++) {
      const backend = i % 2 === 0 ? "nope" : "db";
      await cluster.kubectl(["patch", "tlsroute", "-n", ns, "shared", "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/rules/0/backendRefs/0/name", value: backend }])]);
    }
    const final = start + 21;
    const settled = await waitRouteConditions(cluster, ns, "shared", { Accepted: "True/Accepted", ResolvedRefs: "False/BackendNotFound" });
    const ours = routeParentsOf(settled).find((p) => p.controllerName === CONTROLLER)!;
    expect(settled.metadata.generation).toBe(final);
    expect(ours.conditions.map((c) => c.observedGeneration)).toEqual([final, final]);
    await Bun.sleep(1_000);
    // Nothing older overwrote it afterwards.
    const later = routeParentsOf(await route()).find((p) => p.controllerName === CONTROLLER)!;
    expect(later).toEqual(ours);
    console.log(`21 spec changes in a burst: ${statusWrites() - writesBefore} status writes`);
    await cluster.kubectl(["patch", "tlsroute", "-n", ns, "shared", "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/rules/0/backendRefs/0/name", value: "db" }])]);
    await waitRouteConditions(cluster, ns, "shared", ROUTE_OK);
  }, 60_000);

  test("a deleted Gateway takes Courier's entry out of the route's status; recreated, it comes back", async () => {
    const gateway = (await getObject(cluster, "gateway", ns, "edge"))!;
    await cluster.kubectl(["delete", "gateway", "-n", ns, "edge"]);
    const gone = async (): Promise<string[]> => routeParentsOf(await route()).map((p) => p.controllerName);
    const deadline = Date.now() + 30_000;
    while ((await gone()).includes(CONTROLLER) && Date.now() < deadline) await Bun.sleep(100);
    expect(routeParentsOf(await route())).toEqual([foreignEntry]);
    await cluster.apply(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: ${ns}}
spec: ${JSON.stringify(gateway.spec)}
`);
    const back = await waitRouteConditions(cluster, ns, "shared", ROUTE_OK);
    expect(routeParentsOf(back).map((p) => p.controllerName)).toEqual([OTHER, CONTROLLER]);
  }, 60_000);
});
