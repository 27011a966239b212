// CRDs installed after Courier started (GitOps tools often sync CRDs and workloads
// in one wave, and Multi-Cluster Services comes later than the Gateway API): the
// ServiceImport CRD appears while Courier runs, and routes to ServiceImports work
// without a restart.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Pki } from "../../demo/pki.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { startClusterBackends, type ClusterBackends } from "../helpers/clusterBackends.ts";
import { landing } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  eventually,
  gatewayClassYaml,
  gatewayYaml,
  importedEndpointSliceYaml,
  ROUTE_OK,
  serviceImportYaml,
  startClusterProxy,
  tlsRouteYaml,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-latecrd-${process.pid}`;
const CRD = "serviceimports.multicluster.x-k8s.io";
let cluster: Cluster;
let crdYaml: string;
let backends: ClusterBackends | undefined;
let pki: Pki;
let proxy: ClusterProxy | undefined;
let address: string;

beforeAll(async () => {
  cluster = await useCluster();
  crdYaml = readFileSync(join(dirname(cluster.kubectlPath), "crds/v1/multicluster.x-k8s.io_serviceimports.yaml"), "utf8");
  backends = await startClusterBackends("latecrd", [{ name: "imported-later", certName: "late", dnsNames: ["*.late.test"] }]);
  pki = backends.pki;
  address = backends.address["imported-later"]!;
  await cluster.createNamespaces(ns);
  const deleted = await cluster.kubectl(["delete", "crd", CRD, "--ignore-not-found", "--wait=true"]);
  expect(deleted.code).toBe(0);
  await cluster.apply([gatewayClassYaml(), gatewayYaml(ns, "edge")].join("---\n"));
  proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns });
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  if (cluster !== undefined) {
    await deleteTestObjects(cluster, ns);
    await cluster.kubectl(["delete", "serviceimports.multicluster.x-k8s.io", "-n", ns, "--all", "--ignore-not-found"]);
    // The cluster keeps its ServiceImport CRD for whoever runs next.
    await cluster.apply(crdYaml);
  }
  await backends?.close();
});

describe("a CRD installed while Courier runs", () => {
  test("ServiceImport routes work once the Multi-Cluster Services CRD appears, without a restart", async () => {
    expect(await proxy!.process.waitForLog(/watching/)).toContain(`serviceimports="not served"`);
    await cluster.apply(crdYaml);
    const established = await cluster.kubectl(["wait", "--for=condition=Established", `crd/${CRD}`, "--timeout=60s"]);
    expect(established.code).toBe(0);
    const appliedAt = performance.now();
    // The CRD may need a moment before its objects can be created.
    await eventually(
      "ServiceImport created",
      async () =>
        cluster
          .apply(
            [
              serviceImportYaml(ns, "db"),
              importedEndpointSliceYaml(ns, "db", [address], 8443),
              tlsRouteYaml(ns, "db", "edge", ["db.late.test"], [{ name: "db", port: 443, serviceImport: true }]),
            ].join("---\n"),
          )
          .then(() => true),
      30_000,
      500,
    );
    // Courier looks for newly served APIs every 20 s.
    await waitRouteConditions(cluster, ns, "db", ROUTE_OK, undefined, 60_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nproxy logs:\n${proxy!.process.logs().split("\n").slice(-15).join("\n")}`);
    });
    expect(await landing(proxy!.port(443), "db.late.test", pki.ca)).toBe("imported-later");
    console.log(`ServiceImport CRD installed while running: route served ${(performance.now() - appliedAt).toFixed(0)} ms after the CRD was established`);
    expect(proxy!.process.logs()).toMatch(/now watching.*serviceimports/);
  }, 120_000);
});
