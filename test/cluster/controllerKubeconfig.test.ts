// Courier configured the ways users' kubeconfigs reach real clusters, each run as a
// process that watches the API server and writes status: an exec credential plugin
// (how EKS, GKE and AKS are reached), several KUBECONFIG files merged with --context,
// an exec credential that expires and is refreshed, a token revoked before its expiry
// (a 401 makes Courier run the plugin again), and a cluster reached only through its
// proxy-url whose certificate names it only by tls-server-name. Every identity is a
// ServiceAccount bound to dist/'s RBAC (its Role moved into this test's namespace).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startApiRelay } from "../helpers/apiRelay.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import { startConnectProxy } from "../helpers/connectProxy.ts";
import { freePort } from "../helpers/ports.ts";
import { startProxy, type ProxyProcess } from "../helpers/proxyProcess.ts";
import { deleteTestObjects, eventually, gatewayClassYaml, gatewayYaml, getObject, ROUTE_OK, serviceWithEndpointsYaml, tlsRouteYaml, waitRouteConditions } from "./controllerKit.ts";

const ns = `ctl-kubeconfig-${process.pid}`;
const DIST = resolve(import.meta.dir, "../../dist/courier-proxy.k8s.yaml");

let cluster: Cluster;
let dir: string;
let caData: string;
const accounts: string[] = [];
const running = new Set<ProxyProcess>();

/** A ServiceAccount token with dist/'s ClusterRole, and its Lease Role in this test's namespace. */
async function token(name: string): Promise<string> {
  accounts.push(name);
  const rbac = readFileSync(DIST, "utf8").replaceAll("namespace: courier-system", `namespace: ${ns}`);
  return (await cluster.mintToken({ namespace: ns, name, rbac })).token;
}

interface KubeconfigParts {
  readonly clusters: ReadonlyArray<{ readonly name: string; readonly cluster: Record<string, unknown> }>;
  readonly users: ReadonlyArray<{ readonly name: string; readonly user: Record<string, unknown> }>;
  readonly contexts: ReadonlyArray<{ readonly name: string; readonly context: Record<string, unknown> }>;
  readonly current?: string;
}

/** Writes a kubeconfig (JSON is YAML) into `where`. */
function kubeconfig(where: string, parts: KubeconfigParts): string {
  const path = join(where, "config");
  writeFileSync(path, JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: parts.clusters, users: parts.users, contexts: parts.contexts, "current-context": parts.current ?? "" }, null, 1));
  return path;
}

interface ExecPlugin {
  /** The command as a kubeconfig next to it names it: relative, resolved against the kubeconfig's directory. */
  readonly command: string;
  setToken(token: string): void;
  runs(): number;
}

/** A credential plugin in `where`: prints an ExecCredential with the token in its `token` file, expiring in `expiresInSeconds`. */
function execPlugin(where: string, expiresInSeconds: number): ExecPlugin {
  writeFileSync(join(where, "runs"), "");
  writeFileSync(
    join(where, "plugin.sh"),
    `#!/bin/sh
here=$(dirname "$0")
echo run >> "$here/runs"
expiry=$(date -u -d "@$(( $(date +%s) + ${expiresInSeconds} ))" +%Y-%m-%dT%H:%M:%SZ)
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}\\n' "$(cat "$here/token")" "$expiry"
`,
  );
  chmodSync(join(where, "plugin.sh"), 0o755);
  return {
    command: "./plugin.sh",
    setToken: (value) => writeFileSync(join(where, "token"), value),
    runs: () => readFileSync(join(where, "runs"), "utf8").split("\n").filter((l) => l !== "").length,
  };
}

const execUser = (plugin: ExecPlugin): Record<string, unknown> => ({ exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin.command, interactiveMode: "Never" } });

async function courier(args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Promise<ProxyProcess> {
  const offset = (await freePort()) - 443;
  // No KUBECONFIG from the test's environment unless a test sets one.
  const proxy = await startProxy([...args, "--port-offset", String(offset), "--listen-address", "127.0.0.1"], 60_000, { KUBECONFIG: undefined, ...env });
  running.add(proxy);
  return proxy;
}

async function stop(proxy: ProxyProcess): Promise<void> {
  await proxy.stop();
  running.delete(proxy);
}

async function route(name: string): Promise<void> {
  await cluster.apply(tlsRouteYaml(ns, name, "edge", [`${name}.kubeconfig.test`], [{ name: "db", port: 443 }]));
  await waitRouteConditions(cluster, ns, name, ROUTE_OK, undefined, 60_000);
}

/** Polls the API server until `revoked` is refused (it caches successful token reviews for ~10 s). */
async function waitRefused(revoked: string): Promise<void> {
  await eventually("the revoked token is refused", async () => {
    const result = await cluster.kubectl(["--token", revoked, "get", "--raw", "/api"], { kubeconfig: join(dir, "no-user.kubeconfig") });
    return /Unauthorized|401/.test(result.stderr) ? true : undefined;
  }, 60_000, 500);
}

beforeAll(async () => {
  cluster = await useCluster();
  dir = mkdtempSync(join(cluster.kubeconfig, "..", `kubeconfig-${process.pid}-`));
  caData = readFileSync(cluster.caFile).toString("base64");
  // kubectl with only the server and CA: --token alone decides who it is.
  kubeconfig(dir, { clusters: [{ name: "test", cluster: { server: cluster.server, "certificate-authority-data": caData } }], users: [], contexts: [{ name: "test", context: { cluster: "test" } }], current: "test" });
  writeFileSync(join(dir, "no-user.kubeconfig"), readFileSync(join(dir, "config")));
  await applyScenario(cluster, [ns], [gatewayClassYaml(), gatewayYaml(ns, "edge"), serviceWithEndpointsYaml(ns, "db", ["192.0.2.10"])]);
}, 10 * 60_000);

afterAll(async () => {
  for (const proxy of running) await proxy.stop();
  if (cluster !== undefined) {
    await deleteTestObjects(cluster, ns);
    await cluster.kubectl(["delete", "lease", "-n", ns, "--all", "--ignore-not-found"]);
    if (accounts.length > 0) await cluster.kubectl(["delete", "serviceaccount", "-n", ns, "--ignore-not-found", ...accounts]);
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("kubeconfigs as users write them", () => {
  test("an exec credential plugin (command relative to the kubeconfig): watched, status written, the credential cached", async () => {
    const where = mkdtempSync(join(dir, "exec-"));
    const plugin = execPlugin(where, 3600);
    plugin.setToken(await token("exec-user"));
    const config = kubeconfig(where, {
      clusters: [{ name: "test", cluster: { server: cluster.server, "certificate-authority-data": caData } }],
      users: [{ name: "eks-style", user: execUser(plugin) }],
      contexts: [{ name: "exec", context: { cluster: "test", user: "eks-style" } }],
      current: "exec",
    });
    const proxy = await courier(["--kubeconfig", config, "--lease-namespace", ns]);
    await route("exec");
    expect(proxy.logs()).toContain(`cluster mode why="--kubeconfig ${config}"`);
    expect(proxy.logs()).toContain('user \\"eks-style\\" (exec plugin)');
    // One run for every list, watch, Lease renewal and status write so far: cached until its expiry.
    expect(plugin.runs()).toBe(1);
    await stop(proxy);
  }, 120_000);

  test("several KUBECONFIG files merged, --context picks a context of the second; its namespace holds the Lease", async () => {
    const first = mkdtempSync(join(dir, "merge-a-"));
    const second = mkdtempSync(join(dir, "merge-b-"));
    // The first file: the real cluster, and a current-context that leads nowhere.
    const a = kubeconfig(first, {
      clusters: [{ name: "test", cluster: { server: cluster.server, "certificate-authority-data": caData } }, { name: "nowhere", cluster: { server: "https://127.0.0.1:9" } }],
      users: [],
      contexts: [{ name: "decoy", context: { cluster: "nowhere" } }],
      current: "decoy",
    });
    // The second: the user and the context; its own "test" cluster loses to the first file's.
    const b = kubeconfig(second, {
      clusters: [{ name: "test", cluster: { server: "https://127.0.0.1:9" } }],
      users: [{ name: "courier", user: { token: await token("context-user") } }],
      contexts: [{ name: "courier", context: { cluster: "test", user: "courier", namespace: ns } }],
      current: "courier",
    });
    const proxy = await courier(["--context", "courier"], { KUBECONFIG: `${a}:${b}` });
    await route("merged");
    expect(proxy.logs()).toContain(`cluster mode why="KUBECONFIG=${a}:${b} (2 files merged)"`);
    expect(proxy.logs()).toContain('context \\"courier\\" (--context)');
    const lease = await getObject(cluster, "lease", ns, "courier-status-writer");
    expect(String((lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity)).toEndWith(`-${proxy.pid}`);
    await stop(proxy);
  }, 120_000);

  test("an exec credential that expires every 4 s is refreshed: once the first token is revoked, new watches and writes use the next", async () => {
    const where = mkdtempSync(join(dir, "expiring-"));
    const relayed = await startApiRelay(cluster, where);
    const plugin = execPlugin(where, 4);
    const firstToken = await token("expiring-a");
    plugin.setToken(firstToken);
    const config = kubeconfig(where, {
      clusters: [{ name: "test", cluster: { server: `https://127.0.0.1:${relayed.relay.port}`, "certificate-authority-data": caData } }],
      users: [{ name: "short-lived", user: execUser(plugin) }],
      contexts: [{ name: "expiring", context: { cluster: "test", user: "short-lived" } }],
      current: "expiring",
    });
    const proxy = await courier(["--kubeconfig", config, "--lease-namespace", ns]);
    try {
      await route("expiring-one");
      plugin.setToken(await token("expiring-b"));
      await cluster.kubectl(["delete", "serviceaccount", "-n", ns, "expiring-a"]);
      await waitRefused(firstToken);
      // Every connection cut: the watches start again, and must authenticate anew.
      await relayed.relay.stop();
      await relayed.relay.start();
      await route("expiring-two");
      console.log(`the plugin ran ${plugin.runs()} times`);
      expect(plugin.runs()).toBeGreaterThanOrEqual(3);
    } finally {
      await stop(proxy);
      await relayed.relay.stop();
    }
  }, 180_000);

  test("a token revoked before its expiry: the 401 drops the cached credential and the plugin runs again, once", async () => {
    const where = mkdtempSync(join(dir, "revoked-"));
    const relayed = await startApiRelay(cluster, where);
    const plugin = execPlugin(where, 3600);
    const firstToken = await token("revoked-a");
    plugin.setToken(firstToken);
    const config = kubeconfig(where, {
      clusters: [{ name: "test", cluster: { server: `https://127.0.0.1:${relayed.relay.port}`, "certificate-authority-data": caData } }],
      users: [{ name: "long-lived", user: execUser(plugin) }],
      contexts: [{ name: "revoked", context: { cluster: "test", user: "long-lived" } }],
      current: "revoked",
    });
    const proxy = await courier(["--kubeconfig", config, "--lease-namespace", ns]);
    try {
      await route("revoked-one");
      expect(plugin.runs()).toBe(1);
      plugin.setToken(await token("revoked-b"));
      await cluster.kubectl(["delete", "serviceaccount", "-n", ns, "revoked-a"]);
      await waitRefused(firstToken);
      await relayed.relay.stop();
      await relayed.relay.start();
      await route("revoked-two");
      expect(plugin.runs()).toBe(2);
    } finally {
      await stop(proxy);
      await relayed.relay.stop();
    }
  }, 180_000);

  test("proxy-url and tls-server-name: a server name only the proxy resolves, a certificate that names the server otherwise", async () => {
    const where = mkdtempSync(join(dir, "proxied-"));
    const connectProxy = await startConnectProxy();
    const port = new URL(cluster.server).port;
    const config = kubeconfig(where, {
      clusters: [{ name: "behind-proxy", cluster: { server: `https://kube-api.test:${port}`, "certificate-authority-data": caData, "tls-server-name": "kubernetes", "proxy-url": connectProxy.url } }],
      users: [{ name: "courier", user: { token: await token("proxied-user") } }],
      contexts: [{ name: "proxied", context: { cluster: "behind-proxy", user: "courier" } }],
      current: "proxied",
    });
    const proxy = await courier(["--kubeconfig", config, "--lease-namespace", ns]);
    try {
      await route("proxied");
      expect(connectProxy.targets.length).toBeGreaterThan(0);
      expect(new Set(connectProxy.targets)).toEqual(new Set([`kube-api.test:${port}`]));
    } finally {
      await stop(proxy);
      await connectProxy.close();
    }
  }, 120_000);
});
