// Watches from Bun's own fetch against the real API server, authenticated the two
// ways Courier will be: an admin client certificate, and a ServiceAccount token
// (bound to a ClusterRole) with the cluster CA verified. Each sees ADDED, MODIFIED
// and DELETED events and a BOOKMARK.
import { beforeAll, describe, expect, test } from "bun:test";
import { type Cluster, useCluster } from "../helpers/cluster.ts";

interface WatchEvent {
  readonly type: string;
  readonly object: { readonly metadata?: { readonly name?: string; readonly resourceVersion?: string; readonly annotations?: Readonly<Record<string, string>> } };
}

type Auth = { readonly headers: Record<string, string>; readonly tls: { ca: string; cert?: string; key?: string } };

const routes = "/apis/gateway.networking.k8s.io/v1/namespaces";
const readRoutes = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: courier-test-route-reader}
rules:
- apiGroups: [gateway.networking.k8s.io]
  resources: [tlsroutes]
  verbs: [get, list, watch]
`;

let cluster: Cluster;
let ca: string;
beforeAll(async () => {
  cluster = await useCluster();
  ca = await Bun.file(cluster.caFile).text();
}, 30 * 60_000);

function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

function routeYaml(namespace: string, name: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  parentRefs: [{name: edge}]
  hostnames: [db.example.com]
  rules:
  - backendRefs: [{name: backend, port: 443}]
`;
}

async function getJson(path: string, auth: Auth): Promise<{ metadata: { resourceVersion: string } }> {
  const response = await fetch(`${cluster.server}${path}`, auth);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as { metadata: { resourceVersion: string } };
}

/**
 * Opens a watch and reads its newline-delimited JSON events until `done` holds or
 * the server ends the watch (timeoutSeconds), whichever comes first.
 */
async function watch(path: string, auth: Auth, done: (events: readonly WatchEvent[]) => boolean): Promise<{ events: WatchEvent[]; finished: Promise<void> }> {
  const response = await fetch(`${cluster.server}${path}`, auth);
  if (!response.ok || response.body === null) throw new Error(`watch ${path}: ${response.status} ${await response.text()}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const events: WatchEvent[] = [];
  const reading = (async () => {
    let buffered = "";
    while (!done(events)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffered += decoder.decode(value, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== "") events.push(JSON.parse(line) as WatchEvent);
        newline = buffered.indexOf("\n");
      }
    }
    await reader.cancel();
  })();
  return { events, finished: reading };
}

const sawLifecycle = (name: string) => (events: readonly WatchEvent[]): boolean =>
  ["ADDED", "MODIFIED", "DELETED"].every((type) => events.some((e) => e.type === type && e.object.metadata?.name === name)) &&
  events.some((e) => e.type === "BOOKMARK");

/** Lists, watches from the list's resourceVersion, then creates, changes and deletes a route. */
async function watchLifecycle(namespace: string, auth: Auth): Promise<WatchEvent[]> {
  const name = uniqueName("route");
  const list = await getJson(`${routes}/${namespace}/tlsroutes`, auth);
  // The watch cache sends a bookmark 2 s before a watch's deadline: 3 s in here.
  const path = `${routes}/${namespace}/tlsroutes?watch=1&allowWatchBookmarks=true&timeoutSeconds=5&resourceVersion=${list.metadata.resourceVersion}`;
  const { events, finished } = await watch(path, auth, sawLifecycle(name));
  await cluster.apply(routeYaml(namespace, name));
  const annotate = await cluster.kubectl(["annotate", "-n", namespace, "tlsroute", name, "courier.test/changed=yes"]);
  expect(annotate.code).toBe(0);
  const del = await cluster.kubectl(["delete", "-n", namespace, "tlsroute", name, "--wait=false"]);
  expect(del.code).toBe(0);
  await finished;
  return events;
}

describe("watch from Bun", () => {
  test("with the admin client certificate: ADDED, MODIFIED, DELETED and a BOOKMARK", async () => {
    const namespace = uniqueName("watch-cert");
    await cluster.createNamespaces(namespace);
    const [cert, key] = await Promise.all([Bun.file(cluster.certFile).text(), Bun.file(cluster.keyFile).text()]);
    const events = await watchLifecycle(namespace, { headers: {}, tls: { ca, cert, key } });
    const types = events.map((e) => e.type);
    expect(types).toContain("ADDED");
    expect(types).toContain("MODIFIED");
    expect(types).toContain("DELETED");
    expect(types).toContain("BOOKMARK");
    const modified = events.find((e) => e.type === "MODIFIED");
    expect(modified?.object.metadata?.annotations?.["courier.test/changed"]).toBe("yes");
  });

  test("with a ServiceAccount token bound to a ClusterRole, the CA verified", async () => {
    const namespace = uniqueName("watch-token");
    await cluster.createNamespaces(namespace);
    const { token } = await cluster.mintToken({ namespace, name: "watcher", rbac: readRoutes });
    const auth: Auth = { headers: { authorization: `Bearer ${token}` }, tls: { ca } };

    const events = await watchLifecycle(namespace, auth);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]));

    // The token carries exactly the ClusterRole's rights.
    const secrets = await fetch(`${cluster.server}/api/v1/namespaces/${namespace}/secrets`, auth);
    expect(secrets.status).toBe(403);
    // And the server's certificate is really checked: without the CA, no connection.
    const unverified = await fetch(`${cluster.server}/readyz`, { headers: auth.headers }).catch((e: unknown) => e);
    expect(unverified).toBeInstanceOf(Error);
  });

  test("streaming list (sendInitialEvents) ends the initial objects with an initial-events-end BOOKMARK", async () => {
    const namespace = uniqueName("watch-list");
    await cluster.createNamespaces(namespace);
    await cluster.apply(routeYaml(namespace, "existing"));
    const [cert, key] = await Promise.all([Bun.file(cluster.certFile).text(), Bun.file(cluster.keyFile).text()]);
    const path = `${routes}/${namespace}/tlsroutes?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=10`;
    const { events, finished } = await watch(path, { headers: {}, tls: { ca, cert, key } }, (seen) => seen.some((e) => e.type === "BOOKMARK"));
    await finished;
    expect(events[0]?.type).toBe("ADDED");
    expect(events[0]?.object.metadata?.name).toBe("existing");
    const bookmark = events.find((e) => e.type === "BOOKMARK");
    expect(bookmark?.object.metadata?.annotations?.["k8s.io/initial-events-end"]).toBe("true");
  });
});
