// The path to the API server goes silent (connections stay open, no byte moves) for
// the status writer while a second replica still reaches the server. The second
// replica takes the Lease once it expires; the silent one must notice on its own
// that it can no longer renew and stop counting itself the leader, so that two
// replicas never both think they write status. It keeps routing all along.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Pki } from "../../demo/pki.ts";
import { startApiRelay } from "../helpers/apiRelay.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { startClusterBackends, type ClusterBackends } from "../helpers/clusterBackends.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import type { TcpRelay } from "../helpers/tcpRelay.ts";
import { landing } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  gatewayClassYaml,
  gatewayYaml,
  ROUTE_OK,
  serviceWithEndpointsYaml,
  startClusterProxy,
  tlsRouteYaml,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-stall-${process.pid}`;
const LEADER = /became the status writer/;
const STEPPED_DOWN = /no longer the status writer/;

let cluster: Cluster;
let backends: ClusterBackends | undefined;
let pki: Pki;
let relay: TcpRelay | undefined;
const replicas: ClusterProxy[] = [];

beforeAll(async () => {
  cluster = await useCluster();
  backends = await startClusterBackends("stall", [{ name: "steady", dnsNames: ["*.stall.test"] }]);
  pki = backends.pki;
  await applyScenario(cluster, [ns], [
    gatewayClassYaml(),
    gatewayYaml(ns, "edge"),
    serviceWithEndpointsYaml(ns, "db", [backends.address.steady!]),
    tlsRouteYaml(ns, "db", "edge", ["db.stall.test"], [{ name: "db", port: 443 }]),
  ]);
}, 10 * 60_000);

afterAll(async () => {
  relay?.thaw();
  for (const replica of replicas) await replica.process.stop(2_000);
  await relay?.stop();
  if (cluster !== undefined) await deleteTestObjects(cluster, ns);
  await backends?.close();
});

describe("API path stalls for the leader", () => {
  test("the stalled leader steps down by itself; the other replica takes over; routing never stops", async () => {
    const relayed = await startApiRelay(cluster, backends!.dir);
    relay = relayed.relay;
    const stalled = await startClusterProxy(relayed.kubeconfig, { leaseNamespace: ns });
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
