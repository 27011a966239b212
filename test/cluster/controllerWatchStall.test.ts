// A watch whose connection dies without a word (a dropped NAT entry, a frozen path:
// no FIN, no RST, no bytes) never ends by itself. Courier's informer abandons a watch
// that stays silent past its idle timeout and starts it again from the same
// resourceVersion on a new connection, so the changes made meanwhile still arrive.
// Run against the real API server through a relay whose open connections are frozen
// while new ones work; the idle timeout is shortened here (150 s in the product,
// two and a half times the API server's one-minute bookmark interval).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeClient } from "../../proxy/kubeapi/client.ts";
import { loadKubeconfig } from "../../proxy/kubeapi/credentials.ts";
import { Informer } from "../../proxy/sources/kube/informer.ts";
import { Logger } from "../../proxy/lib/log.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { startApiRelay } from "../helpers/apiRelay.ts";
import type { TcpRelay } from "../helpers/tcpRelay.ts";
import { eventually } from "./controllerKit.ts";

const ns = `ctl-watchstall-${process.pid}`;
const IDLE_MS = 3_000;
let cluster: Cluster;
let relay: TcpRelay;
let dir: string;
let informer: Informer | undefined;
const logLines: string[] = [];

beforeAll(async () => {
  cluster = await useCluster();
  await cluster.createNamespaces(ns);
  dir = mkdtempSync(join(tmpdir(), "courier-watchstall-"));
  const relayed = await startApiRelay(cluster, dir);
  relay = relayed.relay;
  const client = new KubeClient(loadKubeconfig(relayed.kubeconfig));
  const log = new Logger("debug", (line) => logLines.push(line));
  informer = new Informer(client, { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true }, () => {}, log, Math.random, IDLE_MS);
  informer.start();
}, 10 * 60_000);

afterAll(async () => {
  informer?.stop();
  relay?.thaw();
  await relay?.stop();
  if (cluster !== undefined) await cluster.kubectl(["delete", "configmap", "-n", ns, "--all", "--ignore-not-found"]);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function createConfigMap(name: string): Promise<void> {
  const result = await cluster.kubectl(["create", "configmap", "-n", ns, name]);
  expect(result.stderr).toBe("");
}

describe("a watch on a dead connection", () => {
  test("is abandoned after its idle timeout and restarted on a new connection; nothing is missed", async () => {
    await eventually("synced", async () => (informer!.synced ? true : undefined));
    await createConfigMap("before");
    await eventually("the informer sees 'before'", async () => (informer!.objects.has(`${ns}/before`) ? true : undefined));

    // The open connections go silent for good; the API server itself is fine.
    relay.freezeExisting();
    const frozenAt = performance.now();
    await createConfigMap("during");
    await eventually("the informer sees 'during'", async () => (informer!.objects.has(`${ns}/during`) ? true : undefined), 60_000);
    console.log(`watch on a frozen connection: the change made meanwhile arrived ${(performance.now() - frozenAt).toFixed(0)} ms later (idle timeout ${IDLE_MS} ms)`);
    expect(logLines.some((line) => line.includes("watch silent too long"))).toBe(true);
  }, 120_000);
});
