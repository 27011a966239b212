// A cluster with an older Gateway API bundle (v1.3.0) serves TLSRoute only as
// v1alpha2 (hostnames optional, several rules) and ReferenceGrant as v1beta1:
// Courier discovers that, routes those routes and writes their status on v1alpha2.
// The v1 bundle is put back afterwards for the other tests of the run.
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
  ROUTE_OK,
  serviceWithEndpointsYaml,
  startClusterProxy,
  summary,
  tlsRouteYaml,
  waitObjectCondition,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-v1alpha2-${process.pid}`;
const other = `ctl-v1alpha2-other-${process.pid}`;
const ROUTES = "tlsroutes.v1alpha2.gateway.networking.k8s.io";
let cluster: Cluster;
let backends: ClusterBackends | undefined;
let pki: Pki;
let proxy: ClusterProxy | undefined;

beforeAll(async () => {
  cluster = await useCluster();
  await cluster.installCrds("v1alpha2");
  backends = await startClusterBackends(
    "v1alpha2",
    ["one", "two", "far"].map((name) => ({ name, dnsNames: ["*.old.test"] })),
  );
  pki = backends.pki;
  const at = backends.address;
  await applyScenario(cluster, [ns, other], [
    gatewayClassYaml(),
    gatewayYaml(ns, "edge", { hostname: "*.old.test", allowedRoutes: null }),
    serviceWithEndpointsYaml(ns, "one", [at.one!]),
    serviceWithEndpointsYaml(ns, "two", [at.two!]),
    serviceWithEndpointsYaml(other, "far", [at.far!]),
    // v1alpha2 only: no hostnames at all (the listener's apply), and two rules.
    `apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: any, namespace: ${ns}}
spec:
  parentRefs: [{name: edge}]
  rules:
  - backendRefs: [{name: one, port: 443}]
  - backendRefs: [{name: two, port: 443}]
`,
    tlsRouteYaml(ns, "far", "edge", ["far.old.test"], [{ name: "far", namespace: other, port: 443 }], "v1alpha2"),
  ]);
  proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns });
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  if (cluster !== undefined) {
    await deleteTestObjects(cluster, ns);
    await deleteTestObjects(cluster, other);
    await cluster.installCrds("v1");
  }
  await backends?.close();
}, 5 * 60_000);

describe("v1alpha2-only cluster (Gateway API v1.3.0)", () => {
  test("Courier discovers TLSRoute v1alpha2 and ReferenceGrant v1beta1", async () => {
    const line = await proxy!.process.waitForLog(/watching/);
    expect(line).toContain("tlsroutes=v1alpha2");
    expect(line).toContain("referencegrants=v1beta1");
    expect((await cluster.kubectl(["api-resources", "--api-group=gateway.networking.k8s.io", "-o", "name"])).stdout).toContain("tlsroutes");
    expect((await cluster.kubectl(["get", "--raw", "/apis/gateway.networking.k8s.io/v1/tlsroutes"])).code).not.toBe(0);
  });

  test("status is written on v1alpha2: a hostname-less two-rule route is Accepted with ResolvedRefs", async () => {
    const route = await waitRouteConditions(cluster, ns, "any", ROUTE_OK, ROUTES);
    expect(route.metadata.generation).toBe(1);
    const gatewayClass = await waitObjectCondition(cluster, "gatewayclass", undefined, "courier", "SupportedVersion");
    expect(summary(gatewayClass.status?.conditions).SupportedVersion).toBe("True/SupportedVersion");
  });

  test("traffic: any name under the listener reaches the route's rules; other names are refused", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add(await landing(proxy!.port(443), `host${i}.old.test`, pki.ca));
    // Two rules of one route: Courier gives each its own share of the connections.
    console.log(`v1alpha2 two-rule route over 30 connections reached: ${[...seen].sort().join(", ")}`);
    expect([...seen].every((name) => name === "one" || name === "two")).toBe(true);
    expect(await isRefused(proxy!.port(443), "x.new.test", pki.ca)).toBe(true);
  });

  test("a v1beta1 ReferenceGrant admits the cross-namespace backend, and deleting it revokes", async () => {
    await waitRouteConditions(cluster, ns, "far", { Accepted: "True/Accepted", ResolvedRefs: "False/RefNotPermitted" }, ROUTES);
    await cluster.apply(`apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: let-in, namespace: ${other}}
spec:
  from: [{group: gateway.networking.k8s.io, kind: TLSRoute, namespace: ${ns}}]
  to: [{group: "", kind: Service, name: far}]
`);
    await waitRouteConditions(cluster, ns, "far", ROUTE_OK, ROUTES);
    expect(await eventually("far reached", async () => ((await landing(proxy!.port(443), "far.old.test", pki.ca)) === "far" ? true : undefined))).toBe(true);
    await cluster.kubectl(["delete", "referencegrants.v1beta1.gateway.networking.k8s.io", "-n", other, "let-in"]);
    await waitRouteConditions(cluster, ns, "far", { Accepted: "True/Accepted", ResolvedRefs: "False/RefNotPermitted" }, ROUTES);
  }, 60_000);
});
