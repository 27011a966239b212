// Courier runs with a ServiceAccount token bound to exactly the ClusterRole and Role
// that the constructs synthesize into dist/courier-proxy.k8s.yaml, nothing more: it
// must watch everything, win the Lease, write every status and route traffic. Any
// "forbidden" here is a gap in the construct's RBAC (src/courierRbac.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Pki } from "../../demo/pki.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { startClusterBackends, type ClusterBackends } from "../helpers/clusterBackends.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import { landing } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  gatewayClassYaml,
  gatewayYaml,
  getObject,
  ROUTE_OK,
  serviceWithEndpointsYaml,
  startClusterProxy,
  summary,
  tlsRouteYaml,
  waitObjectCondition,
  waitRouteConditions,
} from "./controllerKit.ts";

const DIST = resolve(import.meta.dir, "../../dist/courier-proxy.k8s.yaml");
// The synthesized Role (leader election) lives in the proxy's namespace; so do the ServiceAccount and the Lease.
const PROXY_NAMESPACE = "courier-system";
const ns = `ctl-rbac-${process.pid}`;

let cluster: Cluster;
let backends: ClusterBackends | undefined;
let pki: Pki;
let proxy: ClusterProxy | undefined;
let tokenKubeconfig: string;

beforeAll(async () => {
  cluster = await useCluster();
  backends = await startClusterBackends("rbac", [{ name: "rbac-backend", certName: "rbac", dnsNames: ["db.rbac.test"] }]);
  pki = backends.pki;
  await applyScenario(cluster, [ns, PROXY_NAMESPACE], [
    gatewayClassYaml(),
    gatewayYaml(ns, "edge"),
    serviceWithEndpointsYaml(ns, "db", [backends.address["rbac-backend"]!]),
    tlsRouteYaml(ns, "db", "edge", ["db.rbac.test"], [{ name: "db", port: 443 }]),
    // A route to another namespace's Service, so ReferenceGrants are read too.
    tlsRouteYaml(ns, "cross", "edge", ["cross.rbac.test"], [{ name: "db", namespace: PROXY_NAMESPACE, port: 443 }]),
  ]);
  const token = await cluster.mintToken({ namespace: PROXY_NAMESPACE, name: `courier-rbac-${process.pid}`, rbac: readFileSync(DIST, "utf8") });
  tokenKubeconfig = token.kubeconfig;
  proxy = await startClusterProxy(token.kubeconfig, { leaseNamespace: PROXY_NAMESPACE });
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  if (cluster !== undefined) {
    await deleteTestObjects(cluster, ns);
    await cluster.kubectl(["delete", "serviceaccount", "-n", PROXY_NAMESPACE, `courier-rbac-${process.pid}`, "--ignore-not-found"]);
  }
  await backends?.close();
});

describe("Courier with only the synthesized RBAC", () => {
  test("the token is that ServiceAccount's and no more: it may list TLSRoutes, not Secrets", async () => {
    const can = async (...args: string[]): Promise<string> => (await cluster.kubectl(["auth", "can-i", ...args], { kubeconfig: tokenKubeconfig })).stdout.trim();
    expect(await can("list", "tlsroutes.gateway.networking.k8s.io", "--all-namespaces")).toBe("yes");
    expect(await can("get", "secrets", "-n", ns)).toBe("no");
    expect(await can("update", "tlsroutes.gateway.networking.k8s.io", "-n", ns)).toBe("no");
  });

  test("it wins the Lease in its namespace and writes route, Gateway and GatewayClass status", async () => {
    await proxy!.process.waitForLog(/became the status writer/, 30_000);
    await waitRouteConditions(cluster, ns, "db", ROUTE_OK);
    await waitRouteConditions(cluster, ns, "cross", { Accepted: "True/Accepted", ResolvedRefs: "False/RefNotPermitted" });
    const gateway = await waitObjectCondition(cluster, "gateway", ns, "edge", "Programmed", "True/Programmed");
    expect(summary(gateway.status?.conditions)).toEqual({ Accepted: "True/Accepted", Programmed: "True/Programmed" });
    const gatewayClass = await waitObjectCondition(cluster, "gatewayclass", undefined, "courier", "SupportedVersion");
    expect(summary(gatewayClass.status?.conditions)).toEqual({ Accepted: "True/Accepted", SupportedVersion: "True/SupportedVersion" });
    const lease = await getObject(cluster, "lease", PROXY_NAMESPACE, "courier-status-writer");
    expect(String((lease?.spec as { holderIdentity?: string }).holderIdentity)).toContain(String(proxy!.process.pid));
  }, 60_000);

  test("it routes traffic to the EndpointSlice's address", async () => {
    expect(await landing(proxy!.port(443), "db.rbac.test", pki.ca)).toBe("rbac-backend");
  });

  test("pointed at a Lease namespace its Role does not cover, it says so instead of silently never writing status", async () => {
    const misplaced = await startClusterProxy(tokenKubeconfig, { leaseNamespace: ns });
    try {
      const line = await misplaced.process.waitForLog(/WARN  cannot take the leader Lease/, 30_000);
      expect(line).toContain("forbidden");
      expect(misplaced.process.logs()).not.toMatch(/became the status writer/);
    } finally {
      await misplaced.process.stop();
    }
  }, 60_000);

  test("nothing it does is forbidden", () => {
    const logs = proxy!.process.logs();
    expect(logs.split("\n").filter((line) => /forbidden|\b403\b|cannot read|watch failed|status write failed/i.test(line))).toEqual([]);
  });
});
