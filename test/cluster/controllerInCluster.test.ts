// The in-cluster configuration a pod sees — KUBERNETES_SERVICE_HOST/PORT and the
// service account directory (token, ca.crt, namespace) — reaches the real API server:
// the CA verifies the server, the token authenticates as the ServiceAccount bound to
// dist/'s ClusterRole, and discovery finds what Courier watches.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { KubeApiError, KubeClient } from "../../proxy/kubeapi/client.ts";
import { loadInCluster } from "../../proxy/kubeapi/credentials.ts";
import { SERVICE_ACCOUNT_DIR } from "../../proxy/kubeapi/kubeconfigLocation.ts";
import { discoverResources } from "../../proxy/kubeapi/resources.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";

const PROXY_NAMESPACE = "courier-system";
const account = `courier-incluster-${process.pid}`;
let cluster: Cluster;
/** A root holding var/run/secrets/kubernetes.io/serviceaccount, as a pod's file system does. */
let dir: string;

/** The service account directory under a root made for one test. */
function serviceAccountDir(root: string): string {
  const sa = join(root, SERVICE_ACCOUNT_DIR);
  mkdirSync(sa, { recursive: true });
  return sa;
}
const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };

beforeAll(async () => {
  cluster = await useCluster();
  await cluster.createNamespaces(PROXY_NAMESPACE);
  const { token } = await cluster.mintToken({ namespace: PROXY_NAMESPACE, name: account, rbac: readFileSync(resolve(import.meta.dir, "../../dist/courier-proxy.k8s.yaml"), "utf8") });
  dir = mkdtempSync(join(tmpdir(), "courier-serviceaccount-"));
  const sa = serviceAccountDir(dir);
  writeFileSync(join(sa, "token"), token);
  writeFileSync(join(sa, "ca.crt"), readFileSync(cluster.caFile, "utf8"));
  writeFileSync(join(sa, "namespace"), PROXY_NAMESPACE);
  const server = new URL(cluster.server);
  process.env.KUBERNETES_SERVICE_HOST = server.hostname;
  process.env.KUBERNETES_SERVICE_PORT = server.port;
}, 10 * 60_000);

afterAll(async () => {
  for (const [key, value] of [
    ["KUBERNETES_SERVICE_HOST", saved.host],
    ["KUBERNETES_SERVICE_PORT", saved.port],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  if (cluster !== undefined) await cluster.kubectl(["delete", "serviceaccount", "-n", PROXY_NAMESPACE, account, "--ignore-not-found"]);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("in-cluster configuration", () => {
  test("the pod's CA, token and namespace reach the API server as the ServiceAccount", async () => {
    const credentials = loadInCluster(dir);
    expect(credentials.namespace).toBe(PROXY_NAMESPACE);
    const client = new KubeClient(credentials);
    const resources = await discoverResources(client);
    expect([resources.tlsRoutes.version, resources.referenceGrants?.version, resources.serviceImports?.version]).toEqual(["v1", "v1", "v1alpha1"]);
    const routes = await client.request<{ items: unknown[] }>("GET", "/apis/gateway.networking.k8s.io/v1/tlsroutes?limit=1");
    expect(Array.isArray(routes.items)).toBe(true);
    // It is the ServiceAccount, with its RBAC: Secrets stay out of reach.
    const secrets = await client.request("GET", `/api/v1/namespaces/${PROXY_NAMESPACE}/secrets`).then(
      () => 200,
      (error: unknown) => (error instanceof KubeApiError ? error.status : 0),
    );
    expect(secrets).toBe(403);
  });

  test("a CA that did not sign the server's certificate is refused", async () => {
    const other = mkdtempSync(join(tmpdir(), "courier-serviceaccount-wrong-ca-"));
    try {
      const sa = serviceAccountDir(other);
      writeFileSync(join(sa, "token"), readFileSync(join(serviceAccountDir(dir), "token"), "utf8"));
      writeFileSync(join(sa, "namespace"), PROXY_NAMESPACE);
      // A CA of its own, unrelated to the cluster's.
      const made = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(sa, "ca.key"), "-out", join(sa, "ca.crt"), "-days", "1", "-subj", "/CN=not the cluster CA"]);
      expect(made.exitCode).toBe(0);
      const client = new KubeClient(loadInCluster(other));
      const outcome = await client.request("GET", "/version").then(
        () => "accepted",
        (error: unknown) => String(error),
      );
      expect(outcome).toMatch(/certificate|verify|issuer/i);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
