// The measured workloads. Each runs against one freshly started target and returns
// its numbers plus how busy the load core was (loadgen and backends), which shows
// whether the load side could have been the limit.
import { rssKiB } from "./procStat.ts";
import { holdIdle, runLoadgen, type LoadgenMode, type LoadgenResult, type LoadgenSpec } from "./loadgenRun.ts";
import type { Processes } from "./processes.ts";
import { sniFor, type BackendKind } from "./routes.ts";
import type { RunningTarget } from "./targets.ts";

// pgbench and pgbenchConnect come from postgresRow.ts, not from WORKLOADS.
// "pgbench" and "pgbenchConnect" are measured by postgresRow.ts, not by WORKLOADS.
export type WorkloadId = "bulk1" | "bulk16" | "cps" | "tls" | "latency" | "idle" | "pgbench" | "pgbenchConnect";

export interface Cell {
  /** Metric name -> value; which names depends on the workload. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly loadgenShare: number;
  readonly backendShare: number;
  readonly errors: number;
}

export interface WorkloadContext {
  readonly processes: Processes;
  readonly loadgen: string;
  readonly backendPid: number;
  /** Multiplies every measuring time (quick smoke runs use less than 1). */
  readonly timeScale: number;
}

export interface Workload {
  readonly id: WorkloadId;
  /** The name `--only` selects by. */
  readonly group: string;
  /**
   * With --repeat, which of two runs to keep: the one less disturbed by other work
   * on the machine (more throughput, less CPU per connection, lower p99).
   * Undefined: run once whatever --repeat says (memory does not need it).
   */
  readonly better?: (a: Cell, b: Cell) => boolean;
  run(target: RunningTarget, ctx: WorkloadContext): Promise<Cell>;
}

const metric = (cell: Cell, key: string): number => cell.metrics[key] ?? NaN;

export const IDLE_CONNECTIONS = 9_900;

function spec(target: RunningTarget, ctx: WorkloadContext, mode: LoadgenMode, kind: BackendKind, seconds: number, extra: Record<string, number>): LoadgenSpec {
  return {
    binary: ctx.loadgen,
    mode,
    port: target.portFor(kind),
    sni: sniFor(kind),
    seconds,
    proxyPids: target.pids(),
    backendPid: ctx.backendPid,
    extra,
  };
}

function shares(result: LoadgenResult): Pick<Cell, "loadgenShare" | "backendShare"> {
  return { loadgenShare: result.num("loadgenCpuShare"), backendShare: result.num("backendCpuShare") };
}

/**
 * Connection churn first, so JITs, pools and caches are warm before measuring. Two
 * seconds: Bun's JIT compiler thread is still busy for the first few thousand
 * connections, and that one-off cost is not what the workloads measure.
 */
async function warmUp(target: RunningTarget, ctx: WorkloadContext): Promise<void> {
  if (target.id === "direct") return;
  await runLoadgen(ctx.processes, spec(target, ctx, "cps", "once", 2 * Math.min(1, ctx.timeScale * 2), { concurrency: 32, count: 50_000 }));
}

function bulk(id: WorkloadId, conns: number): Workload {
  return {
    id,
    group: "bulk",
    better: (a, b) => metric(a, "gbit") > metric(b, "gbit"),
    async run(target, ctx) {
      await warmUp(target, ctx);
      const r = await runLoadgen(ctx.processes, spec(target, ctx, "bulk", "sink", 5 * ctx.timeScale, { conns }));
      const gigabytes = r.num("bytes") / 1e9;
      return {
        metrics: { gbit: r.num("gbitPerSecond"), cpuPerGB: r.num("proxyCpuSeconds") / gigabytes },
        errors: r.num("errors"),
        ...shares(r),
      };
    },
  };
}

function churn(id: "cps" | "tls", kind: BackendKind, count: number): Workload {
  return {
    id,
    group: id,
    // Direct has no proxy CPU to compare: keep its faster run.
    better: (a, b) => (metric(a, "cpuMicros") === 0 ? metric(a, "perSecond") > metric(b, "perSecond") : metric(a, "cpuMicros") < metric(b, "cpuMicros")),
    async run(target, ctx) {
      await warmUp(target, ctx);
      const r = await runLoadgen(ctx.processes, spec(target, ctx, id, kind, 5 * ctx.timeScale, { concurrency: 32, count }));
      const completed = r.num("completed");
      return {
        metrics: { perSecond: r.num("perSecond"), cpuMicros: completed > 0 ? (r.num("proxyCpuSecondsAll") * 1e6) / completed : 0 },
        errors: r.num("errors") + r.num("unfinished"),
        ...shares(r),
      };
    },
  };
}

const latency: Workload = {
  id: "latency",
  group: "latency",
  better: (a, b) => metric(a, "p99") < metric(b, "p99"),
  async run(target, ctx) {
    await warmUp(target, ctx);
    const r = await runLoadgen(ctx.processes, spec(target, ctx, "pingpong", "echo", 5 * ctx.timeScale, { count: 1_000_000 }));
    return { metrics: { p50: r.num("p50Micros"), p99: r.num("p99Micros") }, errors: 0, ...shares(r) };
  },
};

const idle: Workload = {
  id: "idle",
  group: "idle",
  async run(target, ctx) {
    // Only a short warm-up here: a long churn grows a garbage-collected heap, whose
    // free space the idle connections would then fill without any growth in RSS.
    if (target.id !== "direct") await runLoadgen(ctx.processes, spec(target, ctx, "cps", "once", 1, { concurrency: 8, count: 200 }));
    const conns = Math.max(100, Math.round(IDLE_CONNECTIONS * Math.min(1, ctx.timeScale)));
    const rss = (): number => target.pids().reduce((sum, pid) => sum + rssKiB(pid), 0);
    await Bun.sleep(1_000);
    const before = rss();
    const { result, measured: after } = await holdIdle(ctx.processes, spec(target, ctx, "idle", "echo", 60, { conns }), async () => {
      // Garbage from opening them is part of what they cost until it is collected;
      // measure once the process had a few seconds to settle.
      await Bun.sleep(5_000);
      return rss();
    });
    const established = result.num("established");
    return {
      metrics: { kibPerConn: established > 0 && target.id !== "direct" ? (after - before) / established : 0, established },
      errors: result.num("errors") + (conns - established),
      ...shares(result),
    };
  },
};

export const WORKLOADS: readonly Workload[] = [
  bulk("bulk1", 1),
  bulk("bulk16", 16),
  churn("cps", "once", 2_000_000),
  churn("tls", "tls", 500_000),
  latency,
  idle,
];
