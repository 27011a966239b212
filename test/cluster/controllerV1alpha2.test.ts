// A cluster with an older Gateway API bundle (v1.3.0) serves TLSRoute only as
// v1alpha2 (hostnames optional, several rules) and ReferenceGrant as v1beta1:
// Courier discovers that, routes those routes and writes their status on v1alpha2.
// The v1 bundle is put back afterwards for the other tests of the run.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPki, type Pki } from "../../demo/pki.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { createBackendNet, type BackendNet } from "../helpers/netnsBackends.ts";
import { isRefused, landing } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  endpointSliceYaml,
  eventually,
  gatewayClassYaml,
  getObject,
  serviceYaml,
  startClusterProxy,
  summary,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-v1alpha2-${process.pid}`;
const other = `ctl-v1alpha2-other-${process.pid}`;
const ROUTES = "tlsroutes.v1alpha2.gateway.networking.k8s.io";
let cluster: Cluster;
let net: BackendNet;
let pki: Pki;
let pkiDir: string;
let proxy: ClusterProxy | undefined;

beforeAll(async () => {
  cluster = await useCluster();
  await cluster.installCrds("v1alpha2");
  pkiDir = mkdtempSync(join(tmpdir(), "courier-v1alpha2-pki-"));
  pki = createPki(pkiDir);
  net = await createBackendNet(3);
  const addresses: string[] = [];
  for (const [i, name] of ["one", "two", "far"].entries()) {
    addresses.push((await net.startBackend(name, pki.issue(name, ["*.old.test"]), net.addresses[i]!, 8443)).address);
  }
  await cluster.createNamespaces(ns, other);
  await cluster.apply(
    [
      gatewayClassYaml(),
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: ${ns}}
spec:
  gatewayClassName: courier
  listeners:
  - {name: tls, port: 443, protocol: TLS, hostname: "*.old.test", tls: {mode: Passthrough}}
`,
      serviceYaml(ns, "one", 443, 8443),
      endpointSliceYaml(ns, "one", [addresses[0]!], 8443),
      serviceYaml(ns, "two", 443, 8443),
      endpointSliceYaml(ns, "two", [addresses[1]!], 8443),
      serviceYaml(other, "far", 443, 8443),
      endpointSliceYaml(other, "far", [addresses[2]!], 8443),
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
      `apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: far, namespace: ${ns}}
spec:
  parentRefs: [{name: edge}]
  hostnames: [far.old.test]
  rules:
  - backendRefs: [{name: far, namespace: ${other}, port: 443}]
`,
    ].join("---\n"),
  );
  proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns });
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  if (cluster !== undefined) {
    await deleteTestObjects(cluster, ns);
    await deleteTestObjects(cluster, other);
    await cluster.installCrds("v1");
  }
  await net?.close();
  if (pkiDir !== undefined) rmSync(pkiDir, { recursive: true, force: true });
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
    const route = await waitRouteConditions(cluster, ns, "any", { Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" }, ROUTES);
    expect(route.metadata.generation).toBe(1);
    const gatewayClass = await eventually("GatewayClass SupportedVersion", async () => {
      const c = await getObject(cluster, "gatewayclass", undefined, "courier");
      return summary(c?.status?.conditions).SupportedVersion !== undefined ? c : undefined;
    });
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
    await waitRouteConditions(cluster, ns, "far", { Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" }, ROUTES);
    expect(await eventually("far reached", async () => ((await landing(proxy!.port(443), "far.old.test", pki.ca)) === "far" ? true : undefined))).toBe(true);
    await cluster.kubectl(["delete", "referencegrants.v1beta1.gateway.networking.k8s.io", "-n", other, "let-in"]);
    await waitRouteConditions(cluster, ns, "far", { Accepted: "True/Accepted", ResolvedRefs: "False/RefNotPermitted" }, ROUTES);
  }, 60_000);
});
