// Leader election when the replicas' clocks disagree, on the real API server. Two
// electors compete for one Lease, each through its own relay to the API server, one
// of them with its wall clock 60 s ahead or behind. Clock skew is a fault this test
// cannot cause on one machine otherwise (both run on the same system clock), so it is
// injected: the skewed elector's ElectionClock.now() is off by 60 s, its monotonic
// clock is not (skew moves wall clocks, not elapsed time).
//
// Expiry is judged by observed time, as client-go does: a candidate counts the lease
// duration from the local moment it last saw the record change. Comparing the holder's
// renewTime with the local clock instead (what Courier did before) fails every case
// here: a candidate 60 s ahead takes a live lease at once (two writers, a needless
// transition); a holder 60 s behind is robbed by every correct candidate; a candidate
// 60 s behind, or one waiting on a holder 60 s ahead, waits lease duration + 60 s for a
// dead holder. Asserted: exactly one leader at every sample, no transition while the
// holder renews, the holder steps down before anyone takes over, and the takeover after
// the holder stops renewing comes within leaseDuration + one retry of the candidate's
// last sight of a renewal (so at most leaseDuration + 2 retries after the cut).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { KubeClient } from "../../proxy/kubeapi/client.ts";
import { loadKubeconfig } from "../../proxy/kubeapi/credentials.ts";
import { Logger } from "../../proxy/lib/log.ts";
import { LeaderElector, type ElectionClock } from "../../proxy/status/leaderElection.ts";
import { startApiRelay, type ApiRelay } from "../helpers/apiRelay.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { eventually, getObject } from "./controllerKit.ts";

const ns = `lease-skew-${process.pid}`;
/** Short enough for a quick test, long enough for a loaded 2-core machine. */
const DURATION_S = 8;
const RETRY_MS = (DURATION_S * 1000) / 3;
const SKEW_MS = 60_000;

let cluster: Cluster;
let dir: string;
const cleanups: Array<() => Promise<void>> = [];

interface Candidate {
  readonly name: string;
  readonly elector: LeaderElector;
  readonly relay: ApiRelay;
  /** Monotonic times at which it became (true) or stopped being (false) the leader. */
  readonly changes: Array<{ readonly leader: boolean; readonly at: number }>;
}

async function candidate(lease: string, name: string, skewMs: number): Promise<Candidate> {
  const relay = await startApiRelay(cluster, mkdtempSync(join(dir, `${name}-`)));
  const client = new KubeClient(loadKubeconfig(relay.kubeconfig));
  const clock: ElectionClock = { now: () => Date.now() + skewMs, monotonic: () => performance.now() };
  const changes: Array<{ leader: boolean; at: number }> = [];
  const log = new Logger("warn", () => {});
  const elector = new LeaderElector(client, ns, lease, `${name}-${process.pid}`, (leader) => changes.push({ leader, at: performance.now() }), log, DURATION_S, clock);
  elector.start();
  const started: Candidate = { name, elector, relay, changes };
  cleanups.push(async () => {
    await elector.stop();
    await relay.relay.stop();
  });
  return started;
}

/** Samples every 50 ms how many electors count themselves the leader; returns the stop function giving the largest count seen. */
function sampleLeaders(electors: readonly Candidate[]): () => number {
  let most = 0;
  const timer = setInterval(() => {
    most = Math.max(most, electors.filter((c) => c.elector.isLeader).length);
  }, 50);
  return () => {
    clearInterval(timer);
    return most;
  };
}

async function leaseSpec(lease: string): Promise<{ holderIdentity?: string | null; leaseTransitions?: number }> {
  return ((await getObject(cluster, "lease", ns, lease))?.spec ?? {}) as { holderIdentity?: string | null; leaseTransitions?: number };
}

async function scenario(lease: string, holderSkewMs: number, candidateSkewMs: number): Promise<void> {
  const holder = await candidate(lease, "holder", holderSkewMs);
  await eventually("the first elector holds the Lease", async () => (holder.elector.isLeader ? true : undefined), 15_000, 50);
  const other = await candidate(lease, "candidate", candidateSkewMs);
  const stopSampling = sampleLeaders([holder, other]);
  const before = await leaseSpec(lease);

  // Two lease durations of the holder renewing: nobody else leads, nothing changes hands.
  await Bun.sleep(2 * DURATION_S * 1000);
  expect(other.changes).toEqual([]);
  expect(holder.changes.map((c) => c.leader)).toEqual([true]);
  const during = await leaseSpec(lease);
  expect(during.holderIdentity).toBe(`holder-${process.pid}`);
  expect(during.leaseTransitions).toBe(before.leaseTransitions);

  // The holder stops renewing (its path to the API server is gone).
  await holder.relay.relay.stop();
  const cut = performance.now();
  await eventually("the candidate takes over", async () => (other.elector.isLeader ? true : undefined), DURATION_S * 1000 + 3 * RETRY_MS + 10_000, 50);
  const takeover = other.changes[0]!.at - cut;
  const stepDown = holder.changes.find((c) => !c.leader)?.at;
  console.log(`holder skew ${holderSkewMs / 1000} s, candidate skew ${candidateSkewMs / 1000} s: takeover ${takeover.toFixed(0)} ms after the cut, holder stepped down ${stepDown === undefined ? "never" : `${(stepDown - cut).toFixed(0)} ms`} after it`);
  expect(takeover).toBeLessThan(DURATION_S * 1000 + 2 * RETRY_MS + 1_500);
  expect(stepDown).toBeDefined();
  expect(stepDown!).toBeLessThan(other.changes[0]!.at);
  expect(stopSampling()).toBe(1);
  const after = await leaseSpec(lease);
  expect(after.holderIdentity).toBe(`candidate-${process.pid}`);
  expect(after.leaseTransitions).toBe((before.leaseTransitions ?? 0) + 1);
}

beforeAll(async () => {
  cluster = await useCluster();
  await cluster.createNamespaces(ns);
  dir = mkdtempSync(join(cluster.kubeconfig, "..", `lease-skew-${process.pid}-`));
}, 10 * 60_000);

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => {});
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  if (cluster !== undefined) await cluster.kubectl(["delete", "lease", "-n", ns, "--all", "--ignore-not-found"]);
});

const timeout = 2 * DURATION_S * 1000 + DURATION_S * 1000 + 3 * RETRY_MS + 40_000;

describe("leader election with a replica whose clock is 60 s off", () => {
  test("a candidate 60 s ahead neither takes the live lease nor waits past the lease duration", () => scenario("skew-candidate-ahead", 0, SKEW_MS), timeout);
  test("a candidate 60 s behind takes over a stopped holder within the lease duration", () => scenario("skew-candidate-behind", 0, -SKEW_MS), timeout);
  test("a holder 60 s ahead keeps its lease, and is replaced within the lease duration when it stops", () => scenario("skew-holder-ahead", SKEW_MS, 0), timeout);
  test("a holder 60 s behind keeps its lease against a correct candidate", () => scenario("skew-holder-behind", -SKEW_MS, 0), timeout);
});
