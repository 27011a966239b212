// The harness can swap the Gateway API CRDs for an older bundle that serves
// TLSRoute only as v1alpha2 (what clusters before Gateway API v1.5 have), so the
// proxy's version discovery can be tested; the v1 bundle is put back afterwards.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Cluster, useCluster } from "../helpers/cluster.ts";

let cluster: Cluster;
beforeAll(async () => {
  cluster = await useCluster();
}, 30 * 60_000);

// Other test files share this cluster: leave it as they expect it.
afterAll(async () => {
  await cluster.installCrds("v1");
}, 120_000);

async function tlsRouteVersions(): Promise<string> {
  const result = await cluster.kubectl(["get", "crd", "tlsroutes.gateway.networking.k8s.io", "-o", "jsonpath={.spec.versions[?(@.served==true)].name}"]);
  expect(result.code).toBe(0);
  return result.stdout.trim();
}

test("the v1alpha2 bundle serves TLSRoute only as v1alpha2, and v1 comes back", async () => {
  await cluster.installCrds("v1alpha2");
  expect(await tlsRouteVersions()).toBe("v1alpha2");
  const resources = await cluster.kubectl(["api-resources", "--api-group=gateway.networking.k8s.io", "-o", "name"]);
  expect(resources.stdout).toContain("tlsroutes.gateway.networking.k8s.io");
  // v1alpha2 allows a route without hostnames; v1 would require at least one.
  const out = await cluster.apply(
    `apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: no-hostnames, namespace: default}
spec:
  parentRefs: [{name: edge}]
  rules:
  - backendRefs: [{name: backend, port: 443}]
`,
    { dryRun: true },
  );
  expect(out).toContain("serverside-applied (server dry run)");

  await cluster.installCrds("v1");
  expect(await tlsRouteVersions()).toBe("v1");
}, 180_000);
