// Kubeconfig files merged by kubectl's rules on top of client-node's parser: the first
// file to define a name wins, the first current-context wins, --context overrides;
// relative paths resolve against the file that names them.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadKubeconfigFiles } from "../../../proxy/kubeapi/kubeconfig.ts";

const dir = mkdtempSync(join(tmpdir(), "courier-kubeconfig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const first = file("a/config", `apiVersion: v1
kind: Config
current-context: one
clusters:
- {name: shared, cluster: {server: "https://first.example:6443", certificate-authority: ca.pem}}
users:
- {name: robot, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ./bin/plugin, args: [x]}}}
- {name: filed, user: {tokenFile: token.txt}}
contexts:
- {name: one, context: {cluster: shared, user: robot, namespace: team-a}}
`);
const second = file("b/config", `apiVersion: v1
kind: Config
current-context: two
clusters:
- {name: shared, cluster: {server: "https://second.example:6443"}}
- {name: other, cluster: {server: "https://other.example:6443", tls-server-name: api.internal}}
users:
- {name: robot, user: {token: from-second-file}}
contexts:
- {name: two, context: {cluster: other, user: filed}}
- {name: one, context: {cluster: other, user: robot}}
`);
const empty = file("c/config", "");

describe("kubectl's merge of several files", () => {
  test("the first file's current-context, cluster, user and context win; later duplicates are ignored", () => {
    const loaded = loadKubeconfigFiles([first, empty, second], undefined);
    expect(loaded.config.getCurrentContext()).toBe("one");
    expect(loaded.config.getCurrentCluster()?.server).toBe("https://first.example:6443");
    expect(loaded.namespace).toBe("team-a");
    expect(loaded.description).toContain('user "robot" (exec plugin)');
  });

  test("--context selects a context another file defines; its cluster's tls-server-name comes along", () => {
    const loaded = loadKubeconfigFiles([first, second], "two");
    expect(loaded.config.getCurrentCluster()).toMatchObject({ server: "https://other.example:6443", tlsServerName: "api.internal" });
    expect(loaded.config.getCurrentUser()?.name).toBe("filed");
    expect(loaded.namespace).toBe("default");
    expect(loaded.description).toContain("(--context)");
  });

  test("relative paths resolve against the file that names them: CA, exec command with a separator", () => {
    const loaded = loadKubeconfigFiles([first, second], undefined);
    expect(loaded.config.getCurrentCluster()?.caFile).toBe(join(dir, "a/ca.pem"));
    expect((loaded.config.getCurrentUser()?.exec as { command: string }).command).toBe(join(dir, "a/bin/plugin"));
  });

  test("an unknown context names the known ones; a missing user is refused, not anonymous", () => {
    expect(() => loadKubeconfigFiles([first, second], "three")).toThrow('no context named "three" (contexts: one, two)');
    const dangling = file("d/config", `clusters: [{name: c, cluster: {server: "https://x:1"}}]
contexts: [{name: d, context: {cluster: c, user: ghost}}]
current-context: d
`);
    expect(() => loadKubeconfigFiles([dangling], undefined)).toThrow('names user "ghost", which is not defined');
    expect(() => loadKubeconfigFiles([empty], undefined)).toThrow("no current-context is set");
  });
});
