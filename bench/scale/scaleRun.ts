// One size of the scale benchmark, start to end, on a fresh API server: create the
// objects (timed apart: that is the API server's cost), start Courier, time it to
// ready and to every status written, read its CPU and memory from /proc, then time
// route changes to new connections, quiet and under unrelated EndpointSlice churn.
// Every wait is bounded in time; a run that misses a deadline reports what it saw.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { KubeClient } from "../../proxy/kubeapi/client.ts";
import { loadKubeconfig } from "../../proxy/kubeapi/credentials.ts";
import { objectPath } from "../../proxy/kubeapi/resources.ts";
import { freePort } from "../../test/helpers/ports.ts";
import { cpuSeconds, peakRssKiB, rssKiB } from "../procStat.ts";
import { startBenchCluster } from "./benchCluster.ts";
import { startChurn } from "./churn.ts";
import { startCourier, type CourierProcess } from "./courierProcess.ts";
import { createObjects } from "./createObjects.ts";
import { routedWithin } from "./helloProbe.ts";
import { hostAddress, startIdentityBackend } from "./identityBackends.ts";
import { readKept, resetStatus, writeKept } from "./keptObjects.ts";
import {
  LISTENER_PORT,
  PROBE_HOSTNAME,
  PROBE_NAMESPACE,
  PROBE_ROUTE,
  PROBE_SERVICES,
  RESOURCES,
  scaleObjects,
  shapeFor,
  unreferencedSlices,
  type ScaleShape,
} from "./scaleObjects.ts";
import { DoneTracker, gatewayDone, routeDone } from "./statusWatch.ts";

export interface RunOptions {
  readonly root: string;
  /** The checkout whose proxy/bin/courier.ts runs (default: this one). */
  readonly courierRoot: string;
  readonly workDir: string;
  /** Give up waiting for every status after this long (the row then says how far it got). */
  readonly statusTimeoutMs: number;
  /** Route changes timed per condition (quiet, churn). */
  readonly samples: number;
  readonly churnPerSecond: number;
  readonly createConcurrency: number;
  /** Keep the API server and its objects for the next run of the same size (see keptObjects.ts). */
  readonly keep: boolean;
  readonly profileDir?: string;
  readonly bunFlags?: readonly string[];
  readonly ramMiB?: number;
  readonly log: (line: string) => void;
}

/** Milliseconds from a route change to the first new connection reaching its new backend; undefined = not within the deadline. */
export type Sample = number | undefined;

export interface ScaleRow {
  readonly shape: ScaleShape;
  readonly objects: number;
  /** undefined when a kept cluster's objects were reused. */
  readonly createSeconds?: number;
  readonly readySeconds?: number;
  /** undefined when the statuses were not all written within the timeout. */
  readonly statusSeconds?: number;
  readonly statusProgress: { readonly routes: number; readonly gateways: number };
  readonly cpuSecondsToStatus: number;
  readonly statusWrites: number;
  readonly statusConflicts: number;
  readonly statusErrors: number;
  readonly peakRssMiB: number;
  readonly steadyRssMiB?: number;
  readonly idleCpuPercent?: number;
  readonly quiet: readonly Sample[];
  readonly churn: readonly Sample[];
  /** The same changes: until the bench's own watch saw them (the API server's share). */
  readonly quietWatched: readonly Sample[];
  readonly churnWatched: readonly Sample[];
  readonly churnCpuPercent?: number;
  readonly churnRate?: number;
  readonly notes: readonly string[];
}

const READY_TIMEOUT_MS = 120_000;
const ROUTE_CHANGE_DEADLINE_MS = 10_000;
const SETTLE_MS = 5_000;
const CHURN_WARMUP_MS = 3_000;
const SAMPLE_GAP_MS = 250;

const mib = (kib: number): number => kib / 1024;

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, everyMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await condition()) return true;
    await Bun.sleep(everyMs);
  }
  return false;
}

/** A route change: until a new connection reaches the new backend, and until a watcher of the API server saw the change. */
interface Timed {
  readonly routed: Sample;
  readonly watched: Sample;
}

/** Moves the probe route to `service` and times it; see Sample. */
async function routeChange(client: KubeClient, routes: DoneTracker, port: number, service: string): Promise<Timed> {
  const since = performance.now();
  const seen = routes.seen(`${PROBE_NAMESPACE}/${PROBE_ROUTE}`, (object) => object.spec?.rules?.[0]?.backendRefs?.[0]?.name === service);
  await client.request(
    "PATCH",
    objectPath(RESOURCES.tlsRoutes, PROBE_NAMESPACE, PROBE_ROUTE),
    { spec: { rules: [{ backendRefs: [{ name: service, port: 443 }] }] } },
    "application/merge-patch+json",
  );
  const routed = await routedWithin(port, PROBE_HOSTNAME, service, since, since + ROUTE_CHANGE_DEADLINE_MS);
  const watched = await Promise.race([seen.then((at) => at - since), Bun.sleep(ROUTE_CHANGE_DEADLINE_MS).then(() => undefined)]);
  return { routed, watched };
}

async function routeChanges(client: KubeClient, routes: DoneTracker, port: number, count: number, start: number): Promise<{ routed: Sample[]; watched: Sample[] }> {
  const routed: Sample[] = [];
  const watched: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const timed = await routeChange(client, routes, port, PROBE_SERVICES[(start + i + 1) % 2]!);
    routed.push(timed.routed);
    watched.push(timed.watched);
    await Bun.sleep(SAMPLE_GAP_MS);
  }
  return { routed, watched };
}

export async function runScale(routes: number, options: RunOptions): Promise<ScaleRow> {
  const shape = shapeFor(routes);
  const { log } = options;
  const notes: string[] = [];
  const dir = join(options.workDir, `cluster-${routes}`);
  mkdirSync(options.workDir, { recursive: true });
  log(`${routes} routes: starting a private API server`);
  const cluster = await startBenchCluster(options.root, dir, options.keep);
  const client = new KubeClient(loadKubeconfig(cluster.kubeconfig));
  const kept = options.keep ? readKept(dir, routes) : undefined;
  const address = kept?.ports.address ?? hostAddress();
  const backends = {
    base: startIdentityBackend("base", address, kept?.ports.base),
    "probe-a": startIdentityBackend(PROBE_SERVICES[0], address, kept?.ports["probe-a"]),
    "probe-b": startIdentityBackend(PROBE_SERVICES[1], address, kept?.ports["probe-b"]),
  };
  let courier: CourierProcess | undefined;
  const trackers: DoneTracker[] = [];
  try {
    const ports = { address, base: backends.base.port, "probe-a": backends["probe-a"].port, "probe-b": backends["probe-b"].port };
    const groups = scaleObjects(shape, ports);
    const objects = groups.reduce((sum, group) => sum + group.length, 0);
    let createSeconds: number | undefined;
    if (kept === undefined) {
      const createStart = performance.now();
      await createObjects(client, groups, options.createConcurrency);
      createSeconds = (performance.now() - createStart) / 1000;
      log(`${routes} routes: created ${objects} objects in ${createSeconds.toFixed(1)} s`);
      if (options.keep) writeKept(dir, { routes, ports });
    } else {
      const resetStart = performance.now();
      const reset = await resetStatus(client, options.createConcurrency);
      log(`${routes} routes: reusing the kept objects; ${reset} statuses removed in ${((performance.now() - resetStart) / 1000).toFixed(1)} s`);
    }

    const routeTracker = new DoneTracker(client, RESOURCES.tlsRoutes, routeDone);
    const gatewayTracker = new DoneTracker(client, RESOURCES.gateways, (object) => gatewayDone(object, routes / shape.gateways));
    trackers.push(routeTracker, gatewayTracker);
    // Ends when the trackers are stopped (finally below); a failure is noted in the row.
    void Promise.all(trackers.map((t) => t.run())).catch((error: unknown) => notes.push(`status watch failed: ${(error as Error).message}`));
    await waitFor(() => routeTracker.counts.seen === routes && gatewayTracker.counts.seen === shape.gateways, 60_000, 100);

    const listenPort = await freePort();
    const started = performance.now();
    courier = startCourier({ root: options.courierRoot, bun: join(options.root, "node_modules/.bin/bun"), kubeconfig: cluster.kubeconfig, portOffset: listenPort - LISTENER_PORT, adminPort: await freePort(), profileDir: options.profileDir, bunFlags: options.bunFlags, ramMiB: options.ramMiB });
    const pid = courier.pid;
    const running = courier;
    const isReady = await waitFor(() => running.ready(), READY_TIMEOUT_MS, 50);
    const readySeconds = isReady ? (performance.now() - started) / 1000 : undefined;
    // VmHWM only grows: read at the end of each phase, it says which phase set the peak.
    const peaks: string[] = [];
    const notePeak = (phase: string): void => void peaks.push(`${phase} ${mib(peakRssKiB(pid)).toFixed(0)}`);
    notePeak("ready");
    log(`${routes} routes: ready ${readySeconds === undefined ? "never" : `after ${readySeconds.toFixed(2)} s`}`);

    const allDone = (): boolean => routeTracker.counts.done === routes && gatewayTracker.counts.done === shape.gateways;
    let lastReport = performance.now();
    const written = await waitFor(() => {
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        log(`${routes} routes: ${routeTracker.counts.done} routes and ${gatewayTracker.counts.done} Gateways done after ${((lastReport - started) / 1000).toFixed(0)} s, RSS ${mib(rssKiB(pid)).toFixed(0)} MiB`);
      }
      return allDone();
    }, options.statusTimeoutMs, 50);
    const statusSeconds = written ? (performance.now() - started) / 1000 : undefined;
    const cpuSecondsToStatus = cpuSeconds(pid);
    const statusProgress = { routes: routeTracker.counts.done, gateways: gatewayTracker.counts.done };
    const writes = async (result: string): Promise<number> => await running.metric("courier_status_writes_total", { result }).catch(() => 0);
    const [statusWrites, statusConflicts, statusErrors] = [await writes("ok"), await writes("conflict"), await writes("error")];
    notePeak("statuses");
    log(`${routes} routes: every status ${statusSeconds === undefined ? `not written after ${options.statusTimeoutMs / 1000} s` : `written after ${statusSeconds.toFixed(1)} s`}, ${cpuSecondsToStatus.toFixed(1)} CPU-s, ${statusWrites} writes`);

    const row = { shape, objects, createSeconds, readySeconds, statusSeconds, statusProgress, cpuSecondsToStatus, statusWrites, statusConflicts, statusErrors, notes };
    if (!written) {
      notes.push("route changes not timed: Courier was still writing status");
      return { ...row, peakRssMiB: mib(peakRssKiB(pid)), quiet: [], churn: [], quietWatched: [], churnWatched: [] };
    }

    const idleCpu0 = cpuSeconds(pid);
    await Bun.sleep(SETTLE_MS);
    const idleCpuPercent = ((cpuSeconds(pid) - idleCpu0) / (SETTLE_MS / 1000)) * 100;
    const steadyRssMiB = mib(rssKiB(pid));

    // The probe route starts on probe-a; make sure that is what serves before timing changes.
    if ((await routedWithin(listenPort, PROBE_HOSTNAME, PROBE_SERVICES[0], performance.now(), performance.now() + ROUTE_CHANGE_DEADLINE_MS)) === undefined) {
      notes.push(`${PROBE_HOSTNAME} never reached ${PROBE_SERVICES[0]}`);
    }
    const shown = (samples: readonly Sample[]): string => samples.map((s) => (s === undefined ? "miss" : s.toFixed(0))).join(" ");
    const quiet = await routeChanges(client, routeTracker, listenPort, options.samples, 0);
    log(`${routes} routes: quiet route changes (ms): ${shown(quiet.routed)}; seen by a watcher after ${shown(quiet.watched)}`);
    // Back on probe-a when the count is even: the churn phase starts where quiet started.
    const churnStart = options.samples % 2;

    notePeak("quiet changes");
    const churn = startChurn(client, unreferencedSlices(shape), options.churnPerSecond, address, backends.base.port);
    await Bun.sleep(CHURN_WARMUP_MS);
    const cpu0 = cpuSeconds(pid);
    const wall0 = performance.now();
    const churned = await routeChanges(client, routeTracker, listenPort, options.samples, churnStart);
    const churnCpuPercent = ((cpuSeconds(pid) - cpu0) / ((performance.now() - wall0) / 1000)) * 100;
    const churnStats = await churn.stop();
    const churnRate = churnStats.sent / churnStats.seconds;
    if (churnStats.failed > 0 || churnStats.skipped > 0) notes.push(`churn: ${churnStats.failed} updates failed, ${churnStats.skipped} skipped`);
    log(`${routes} routes: route changes under ${churnRate.toFixed(0)} EndpointSlice updates/s (ms): ${shown(churned.routed)}; seen by a watcher after ${shown(churned.watched)}; Courier at ${churnCpuPercent.toFixed(0)}% CPU`);
    notePeak("churn");
    log(`${routes} routes: peak RSS (MiB) by the end of each phase: ${peaks.join(", ")}`);
    return {
      ...row,
      peakRssMiB: mib(peakRssKiB(pid)),
      steadyRssMiB,
      idleCpuPercent,
      quiet: quiet.routed,
      quietWatched: quiet.watched,
      churn: churned.routed,
      churnWatched: churned.watched,
      churnCpuPercent,
      churnRate,
    };
  } finally {
    for (const tracker of trackers) tracker.stop();
    if (courier !== undefined) {
      const tail = courier.stderrTail().trim();
      if (tail !== "") log(`${routes} routes: Courier's last log lines:\n${tail.split("\n").slice(-5).join("\n")}`);
      await courier.stop();
    }
    for (const backend of Object.values(backends)) backend.stop();
    if (!options.keep) await cluster.down().catch((error: unknown) => log(`cluster down failed: ${(error as Error).message}`));
  }
}
