// Every manifest Courier ships in dist/ is accepted by a real API server with the
// Gateway API CRDs installed (server-side apply, server dry run: nothing is kept).
import { beforeAll, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { prometheusOperatorDir } from "../../scripts/goModules.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { gatewayYaml, tlsRouteYaml } from "./controllerKit.ts";

const distDir = resolve(import.meta.dir, "../../dist");
const distFiles = readdirSync(distDir).filter((f) => f.endsWith(".yaml")).sort();

let cluster: Cluster;
beforeAll(async () => {
  cluster = await useCluster();
  // A server dry run does not create the Namespace objects of a file, so objects
  // inside them would be refused: create every namespace dist/ mentions first.
  const namespaces = new Set<string>();
  for (const file of distFiles) {
    for (const doc of parseAllDocuments(readFileSync(join(distDir, file), "utf8"))) {
      const object: unknown = doc.toJS();
      if (typeof object !== "object" || object === null) continue;
      const { kind, metadata } = object as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
      if (kind === "Namespace" && typeof metadata?.name === "string") namespaces.add(metadata.name);
      if (typeof metadata?.namespace === "string") namespaces.add(metadata.namespace);
    }
  }
  if (namespaces.size > 0) await cluster.createNamespaces(...namespaces);
  // The monitoring file's PodMonitor and PrometheusRule are Prometheus Operator kinds:
  // install their CRDs at the pinned version, as a cluster running the operator has them.
  const crds = ["podmonitors", "prometheusrules"];
  const crdDir = join(prometheusOperatorDir(), "example", "prometheus-operator-crd");
  await cluster.apply(crds.map((plural) => readFileSync(join(crdDir, `monitoring.coreos.com_${plural}.yaml`), "utf8")).join("\n---\n"));
  const established = await cluster.kubectl(["wait", "--for=condition=established", "--timeout=60s", ...crds.map((plural) => `crd/${plural}.monitoring.coreos.com`)]);
  if (established.code !== 0) throw new Error(`Prometheus Operator CRDs not established: ${established.stderr}`);
}, 30 * 60_000);

test("a passthrough Gateway and a TLSRoute written here are accepted", async () => {
  const out = await cluster.apply(
    [
      gatewayYaml("default", "edge", { allowedRoutes: null }),
      tlsRouteYaml("default", "db", { name: "edge", sectionName: "tls" }, ["db.example.com", "*.db.example.com"], [{ name: "postgres", port: 5432 }]),
    ].join("---\n"),
    { dryRun: true },
  );
  expect(out).toContain("gateway.gateway.networking.k8s.io/edge serverside-applied (server dry run)");
  expect(out).toContain("tlsroute.gateway.networking.k8s.io/db serverside-applied (server dry run)");
});

for (const file of distFiles) {
  test(`dist/${file} is accepted by kubectl apply --server-side --dry-run=server`, async () => {
    const out = await cluster.apply(readFileSync(join(distDir, file), "utf8"), { dryRun: true });
    expect(out).toContain("(server dry run)");
  });
}
