// Why Courier sends its API requests with its own fetch transport, and takes only the
// configuration and credentials from @kubernetes/client-node: under Bun, client-node's
// HTTP layer (node-fetch over node:https agents) ignores the agent that carries a
// kubeconfig's proxy-url, so requests go straight to the server, silently. Shown on the
// real API server with the versions pinned below; everything else probed here works.
// When Bun or client-node changes, this test says so first: probe again, and move
// more onto client-node's transport (and informers) if the proxy is honoured.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CoreV1Api, KubeConfig, Watch } from "@kubernetes/client-node";
import { KubeClient } from "../../proxy/kubeapi/client.ts";
import { loadKubeconfig } from "../../proxy/kubeapi/credentials.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { startConnectProxy, type ConnectProxy } from "../helpers/connectProxy.ts";

const PINNED = { bun: "1.4.5", clientNode: "1.4.0" };
const root = resolve(import.meta.dir, "../..");

let cluster: Cluster;
let dir: string;
let proxy: ConnectProxy;

/** The admin's certificate and the cluster's CA, with `server`, proxy-url set and, if given, tls-server-name. */
function proxiedKubeconfig(server: string, tlsServerName?: string): string {
  const path = join(dir, `${new URL(server).hostname}.kubeconfig`);
  writeFileSync(path, JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server, "certificate-authority-data": readFileSync(cluster.caFile).toString("base64"), "proxy-url": proxy.url, ...(tlsServerName === undefined ? {} : { "tls-server-name": tlsServerName }) } }],
    users: [{ name: "u", user: { "client-certificate": cluster.certFile, "client-key": cluster.keyFile } }],
    contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
    "current-context": "x",
  }));
  return path;
}

function clientNodeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

beforeAll(async () => {
  cluster = await useCluster();
  dir = mkdtempSync(join(cluster.kubeconfig, "..", `client-node-${process.pid}-`));
  proxy = await startConnectProxy();
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe(`@kubernetes/client-node ${PINNED.clientNode} under Bun ${PINNED.bun}`, () => {
  test("the versions probed are the versions installed", () => {
    const installed = JSON.parse(readFileSync(join(root, "node_modules/@kubernetes/client-node/package.json"), "utf8")) as { version: string };
    expect({ bun: Bun.version, clientNode: installed.version }).toEqual(PINNED);
  });

  test("works: a list and a watch with the kubeconfig's client certificate and CA", async () => {
    const kc = clientNodeConfig(cluster.kubeconfig);
    const namespaces = await kc.makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toContain("kube-system");
    const seen = await new Promise<string>((done, fail) => {
      let request: { abort(): void } | undefined;
      new Watch(kc)
        .watch("/api/v1/namespaces", {}, (type, object: { metadata?: { name?: string } }) => {
          request?.abort();
          done(`${type} ${object.metadata?.name ?? ""}`);
        }, (error: unknown) => (error === null || error === undefined ? undefined : fail(error)))
        .then((r) => (request = r), fail);
    });
    expect(seen).toStartWith("ADDED ");
  });

  test("fails: proxy-url is ignored; the request bypasses the proxy (where the name resolves anyway, silently)", async () => {
    const before = proxy.targets.length;
    const direct = await clientNodeConfig(proxiedKubeconfig(cluster.server)).makeApiClient(CoreV1Api).listNamespace();
    expect(direct.items.length).toBeGreaterThan(0);
    expect(proxy.targets.length).toBe(before);

    // A server only the proxy can reach (its name resolves there alone): client-node fails, Courier's transport, with the same KubeConfig, succeeds through the proxy.
    const behindProxy = proxiedKubeconfig(`https://kube-api.test:${new URL(cluster.server).port}`, "kubernetes");
    const outcome = await clientNodeConfig(behindProxy).makeApiClient(CoreV1Api).listNamespace().then(() => "reached", (error: unknown) => String(error));
    expect(outcome).not.toBe("reached");
    expect(proxy.targets.length).toBe(before);
    const courier = new KubeClient(loadKubeconfig(behindProxy));
    const listed = await courier.request<{ items: unknown[] }>("GET", "/api/v1/namespaces");
    expect(listed.items.length).toBeGreaterThan(0);
    expect(proxy.targets.slice(before)).toContain(`kube-api.test:${new URL(cluster.server).port}`);
  });
});
