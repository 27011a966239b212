// `courier explain --kubeconfig FILE`: the cluster's objects listed once through the
// same informers `serve` uses, planned, and explained: the route a connection takes,
// a backend whose Service is missing, a route whose hostname its listener does not
// admit. No proxy needs to run.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import { deleteTestObjects, gatewayClassYaml, gatewayYaml, serviceWithEndpointsYaml, tlsRouteYaml } from "./controllerKit.ts";

const root = resolve(import.meta.dir, "../..");
const ns = `ctl-explain-${process.pid}`;
let cluster: Cluster;

beforeAll(async () => {
  cluster = await useCluster();
  await applyScenario(cluster, [ns], [
    gatewayClassYaml(),
    gatewayYaml(ns, "edge", { hostname: "*.explain.test", allowedRoutes: "{namespaces: {from: Same}, kinds: [{kind: TLSRoute}]}" }),
    serviceWithEndpointsYaml(ns, "db", ["198.18.255.253"]),
    tlsRouteYaml(ns, "good", "edge", ["db.explain.test"], [{ name: "db", port: 443 }]),
    tlsRouteYaml(ns, "missing", "edge", ["cache.explain.test"], [{ name: "cache", port: 443 }]),
    tlsRouteYaml(ns, "elsewhere", "edge", ["db.other-explain.test"], [{ name: "db", port: 443 }]),
  ]);
}, 10 * 60_000);

afterAll(async () => {
  if (cluster !== undefined) await deleteTestObjects(cluster, ns);
});

function explain(sni: string): { code: number | null; out: string; err: string } {
  const run = spawnSync(join(root, "node_modules/.bin/bun"), [join(root, "proxy/bin/courier.ts"), "explain", "--sni", sni, "--port", "443", "--kubeconfig", cluster.kubeconfig], { encoding: "utf8", timeout: 90_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe("courier explain against a cluster", () => {
  test("the route a connection takes, with the Service's endpoints", () => {
    const result = explain("db.explain.test");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toContain(`  route TLSRoute ${ns}/good via hostname db.explain.test (Gateway ${ns}/edge listener tls)`);
    expect(result.out).toContain(`    backend Service ${ns}/db:443 weight 1: takes 100% of connections -> 198.18.255.253:8443`);
    expect(result.out).toContain(`result: forwarded by TLSRoute ${ns}/good`);
  }, 120_000);

  test("a missing Service refuses the route's share; a hostname the listener does not admit never attaches", () => {
    const missing = explain("cache.explain.test");
    expect(missing.code).toBe(1);
    expect(missing.out).toContain(`invalid (Service ${ns}/cache:443: Service not found): its 100% of connections is refused`);
    const elsewhere = explain("db.other-explain.test");
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.out).toContain(`TLSRoute ${ns}/elsewhere -> Gateway ${ns}/edge: NoMatchingListenerHostname:`);
  }, 120_000);
});
