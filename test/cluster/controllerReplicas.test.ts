// Two Courier replicas against one API server: both route traffic, exactly one (the
// holder of the Lease) writes status, and the other takes over when the leader stops —
// at its next attempt when the leader hands the Lease back (SIGTERM), after the lease duration when it
// dies without a word (SIGKILL). Takeover times are printed, not asserted.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Pki } from "../../demo/pki.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { startClusterBackends, type ClusterBackends } from "../helpers/clusterBackends.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import { landing } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  eventually,
  gatewayClassYaml,
  gatewayYaml,
  getObject,
  ROUTE_OK,
  serviceWithEndpointsYaml,
  startClusterProxy,
  tlsRouteYaml,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-replicas-${process.pid}`;
const LEADER = /became the status writer/;
const WROTE = /DEBUG status written/;

let cluster: Cluster;
let backends: ClusterBackends | undefined;
let pki: Pki;
const replicas: ClusterProxy[] = [];

async function startReplica(): Promise<ClusterProxy> {
  // Debug logging shows each status write, so a test can tell which replica wrote.
  const replica = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns, extra: ["--log-level", "debug"] });
  replicas.push(replica);
  return replica;
}

async function holder(): Promise<string> {
  const lease = await getObject(cluster, "lease", ns, "courier-status-writer");
  return String((lease?.spec as { holderIdentity?: string | null } | undefined)?.holderIdentity ?? "");
}

function holds(replica: ClusterProxy): (identity: string) => boolean {
  return (identity) => identity.endsWith(`-${replica.process.pid}`);
}

function writes(replica: ClusterProxy): number {
  return replica.process.logs().split("\n").filter((line) => WROTE.test(line)).length;
}

async function addRoute(name: string): Promise<void> {
  await cluster.apply(tlsRouteYaml(ns, name, "edge", [`${name}.replicas.test`], [{ name: "db", port: 443 }]));
  await waitRouteConditions(cluster, ns, name, ROUTE_OK);
}

beforeAll(async () => {
  cluster = await useCluster();
  backends = await startClusterBackends("replicas", [{ name: "replicated", certName: "db", dnsNames: ["*.replicas.test"] }]);
  pki = backends.pki;
  await applyScenario(cluster, [ns], [gatewayClassYaml(), gatewayYaml(ns, "edge"), serviceWithEndpointsYaml(ns, "db", [backends.address.replicated!])]);
}, 10 * 60_000);

afterAll(async () => {
  for (const replica of replicas) await replica.process.stop();
  if (cluster !== undefined) await deleteTestObjects(cluster, ns);
  await backends?.close();
});

describe("two replicas", () => {
  let first: ClusterProxy;
  let second: ClusterProxy;

  test("both route traffic; the Lease holder alone writes status", async () => {
    first = await startReplica();
    await first.process.waitForLog(LEADER, 30_000);
    second = await startReplica();
    await second.process.waitForLog(/configuration loaded/, 30_000);
    expect(holds(first)(await holder())).toBe(true);

    const before = writes(second);
    await addRoute("one");
    for (const replica of [first, second]) expect(await landing(replica.port(443), "one.replicas.test", pki.ca)).toBe("replicated");
    // Status writes by the leader only; the follower neither claims the Lease nor writes.
    expect(writes(first)).toBeGreaterThan(0);
    expect(writes(second)).toBe(before);
    expect(second.process.logs()).not.toMatch(LEADER);
  }, 120_000);

  test("the leader stops (SIGTERM, hands the Lease back): the other takes over at its next attempt (a third of the lease duration) and writes", async () => {
    const stoppedAt = performance.now();
    await first.process.stop();
    await second.process.waitForLog(LEADER, 30_000);
    const takeover = performance.now() - stoppedAt;
    expect(await eventually("the follower holds the Lease", async () => (holds(second)(await holder()) ? true : undefined))).toBe(true);
    console.log(`leader handover after SIGTERM: ${takeover.toFixed(0)} ms from the stop signal to the follower's takeover`);
    await addRoute("two");
    expect(writes(second)).toBeGreaterThan(0);
    expect(await landing(second.port(443), "two.replicas.test", pki.ca)).toBe("replicated");
  }, 120_000);

  test("a leader that dies without a word (SIGKILL) is replaced after the lease expires", async () => {
    const third = await startReplica();
    await third.process.waitForLog(/configuration loaded/, 30_000);
    expect(third.process.logs()).not.toMatch(LEADER);
    const killedAt = performance.now();
    second.process.child.kill("SIGKILL");
    await second.process.stop();
    await third.process.waitForLog(LEADER, 60_000);
    console.log(`leader replaced after SIGKILL: ${(performance.now() - killedAt).toFixed(0)} ms (lease duration 15 s)`);
    await addRoute("three");
    expect(writes(third)).toBeGreaterThan(0);
    expect(await landing(third.port(443), "three.replicas.test", pki.ca)).toBe("replicated");
  }, 120_000);
});
