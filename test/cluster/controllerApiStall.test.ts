// The path to the API server goes silent (connections stay open, no byte moves) for
// the status writer while a second replica still reaches the server. The second
// replica takes the Lease once it expires; the silent one must notice on its own
// that it can no longer renew and stop counting itself the leader, so that two
// replicas never both think they write status. It keeps routing all along.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPki, type Pki } from "../../demo/pki.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { createBackendNet, type BackendNet } from "../helpers/netnsBackends.ts";
import { startTcpRelay, type TcpRelay } from "../helpers/tcpRelay.ts";
import { landing } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  endpointSliceYaml,
  gatewayClassYaml,
  gatewayYaml,
  serviceYaml,
  startClusterProxy,
  tlsRouteYaml,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-stall-${process.pid}`;
const ROUTE_OK = { Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" };
const LEADER = /became the status writer/;
const STEPPED_DOWN = /no longer the status writer/;

let cluster: Cluster;
let net: BackendNet;
let pki: Pki;
let dir: string;
let relay: TcpRelay | undefined;
const replicas: ClusterProxy[] = [];

beforeAll(async () => {
  cluster = await useCluster();
  dir = mkdtempSync(join(tmpdir(), "courier-stall-"));
  pki = createPki(join(dir, "pki"));
  net = await createBackendNet(1);
  const address = (await net.startBackend("steady", pki.issue("steady", ["*.stall.test"]), net.addresses[0]!, 8443)).address;
  await cluster.createNamespaces(ns);
  await cluster.apply(
    [gatewayClassYaml(), gatewayYaml(ns, "edge"), serviceYaml(ns, "db", 443, 8443), endpointSliceYaml(ns, "db", [address], 8443), tlsRouteYaml(ns, "db", "edge", ["db.stall.test"], [{ name: "db", port: 443 }])].join("---\n"),
  );
}, 10 * 60_000);

afterAll(async () => {
  relay?.thaw();
  for (const replica of replicas) await replica.process.stop(2_000);
  await relay?.stop();
  if (cluster !== undefined) await deleteTestObjects(cluster, ns);
  await net?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("API path stalls for the leader", () => {
  test("the stalled leader steps down by itself; the other replica takes over; routing never stops", async () => {
    const server = new URL(cluster.server);
    relay = await startTcpRelay(server.hostname, Number(server.port));
    const relayed = join(dir, "relayed.kubeconfig");
    writeFileSync(relayed, readFileSync(cluster.kubeconfig, "utf8").replaceAll(cluster.server, `https://127.0.0.1:${relay.port}`));
    const stalled = await startClusterProxy(relayed, { leaseNamespace: ns });
    replicas.push(stalled);
    await stalled.process.waitForLog(LEADER, 30_000);
    const healthy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns });
    replicas.push(healthy);
    await waitRouteConditions(cluster, ns, "db", ROUTE_OK);

    relay.freeze();
    const frozenAt = Date.now();
    const takeoverLine = await healthy.process.waitForLog(LEADER, 60_000);
    const steppedDownLine = await stalled.process.waitForLog(STEPPED_DOWN, 30_000);
    // Log lines start with their ISO time: when each replica changed its mind.
    const at = (line: string): number => Date.parse(line.slice(0, line.indexOf(" ")));
    console.log(`stalled API path: the stalled leader stepped down ${at(steppedDownLine) - frozenAt} ms after the freeze, the other replica took over after ${at(takeoverLine) - frozenAt} ms`);
    // Mutual exclusion: the stalled one gave up before the other took over.
    expect(at(steppedDownLine)).toBeLessThanOrEqual(at(takeoverLine));
    // Both replicas keep routing on what they know.
    for (const replica of replicas) expect(await landing(replica.port(443), "db.stall.test", pki.ca)).toBe("steady");
    // The new leader writes status.
    await cluster.apply(tlsRouteYaml(ns, "later", "edge", ["later.stall.test"], [{ name: "db", port: 443 }]));
    await waitRouteConditions(cluster, ns, "later", ROUTE_OK);

    relay.thaw();
  }, 180_000);
});
