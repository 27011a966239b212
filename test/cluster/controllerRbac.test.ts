// Courier runs with a ServiceAccount token bound to exactly the ClusterRole and Role
// that the constructs synthesize into dist/courier-proxy.k8s.yaml, nothing more: it
// must watch everything, win the Lease, write every status and route traffic. Any
// "forbidden" here is a gap in the construct's RBAC (src/courierRbac.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createPki, type Pki } from "../../demo/pki.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { createBackendNet, type BackendNet } from "../helpers/netnsBackends.ts";
import { landing } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  endpointSliceYaml,
  eventually,
  gatewayClassYaml,
  gatewayYaml,
  getObject,
  serviceYaml,
  startClusterProxy,
  summary,
  tlsRouteYaml,
  waitRouteConditions,
} from "./controllerKit.ts";

const DIST = resolve(import.meta.dir, "../../dist/courier-proxy.k8s.yaml");
// The synthesized Role (leader election) lives in the proxy's namespace; so do the ServiceAccount and the Lease.
const PROXY_NAMESPACE = "courier-system";
const ns = `ctl-rbac-${process.pid}`;

let cluster: Cluster;
let net: BackendNet;
let pki: Pki;
let pkiDir: string;
let proxy: ClusterProxy | undefined;
let tokenKubeconfig: string;

beforeAll(async () => {
  cluster = await useCluster();
  pkiDir = mkdtempSync(join(tmpdir(), "courier-rbac-pki-"));
  pki = createPki(pkiDir);
  net = await createBackendNet(1);
  const backend = await net.startBackend("rbac-backend", pki.issue("rbac", ["db.rbac.test"]), net.addresses[0]!, 8443);
  await cluster.createNamespaces(ns, PROXY_NAMESPACE);
  await cluster.apply(
    [
      gatewayClassYaml(),
      gatewayYaml(ns, "edge"),
      serviceYaml(ns, "db", 443, 8443),
      endpointSliceYaml(ns, "db", [backend.address], 8443),
      tlsRouteYaml(ns, "db", "edge", ["db.rbac.test"], [{ name: "db", port: 443 }]),
      // A route to another namespace's Service, so ReferenceGrants are read too.
      tlsRouteYaml(ns, "cross", "edge", ["cross.rbac.test"], [{ name: "db", port: 443 }]).replace("{name: db, port: 443}", `{name: db, namespace: ${PROXY_NAMESPACE}, port: 443}`),
    ].join("---\n"),
  );
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
  await net?.close();
  if (pkiDir !== undefined) rmSync(pkiDir, { recursive: true, force: true });
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
    await waitRouteConditions(cluster, ns, "db", { Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" });
    await waitRouteConditions(cluster, ns, "cross", { Accepted: "True/Accepted", ResolvedRefs: "False/RefNotPermitted" });
    const gateway = await eventually("Gateway status", async () => {
      const g = await getObject(cluster, "gateway", ns, "edge");
      return summary(g?.status?.conditions).Programmed === "True/Programmed" ? g : undefined;
    });
    expect(summary(gateway.status?.conditions)).toEqual({ Accepted: "True/Accepted", Programmed: "True/Programmed" });
    const gatewayClass = await eventually("GatewayClass status", async () => {
      const c = await getObject(cluster, "gatewayclass", undefined, "courier");
      return summary(c?.status?.conditions).SupportedVersion !== undefined ? c : undefined;
    });
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
