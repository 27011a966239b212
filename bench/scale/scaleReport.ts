// The scale benchmark's one table (Markdown), a row per size, and the issue 16
// targets at 10,000 routes checked against the largest row that ran.
import type { Sample, ScaleRow } from "./scaleRun.ts";

const TARGETS = { routes: 10_000, readySeconds: 10, statusSeconds: 60, peakRssMiB: 256, routedP99Ms: 100 } as const;

/** Nearest-rank percentile; a sample that missed its deadline ranks above every other. */
export function percentile(samples: readonly Sample[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = samples.map((s) => s ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const seconds = (s: number | undefined): string => (s === undefined ? "-" : s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`);
const ms = (value: number | undefined): string => (value === undefined ? "-" : value === Number.POSITIVE_INFINITY ? "> 10 s" : `${value.toFixed(0)}`);

function latency(samples: readonly Sample[]): string {
  if (samples.length === 0) return "-";
  return `${ms(percentile(samples, 50))} / ${ms(percentile(samples, 99))} ms (${samples.length})`;
}

export function renderScaleTable(rows: readonly ScaleRow[]): string {
  const header = [
    "routes",
    "Gateways",
    "Services / EndpointSlices",
    "namespaces",
    "objects created in",
    "Courier ready",
    "every status written",
    "Courier CPU-s until then",
    "status writes",
    "peak RSS",
    "steady RSS",
    "route change -> routed p50 / p99 (samples), quiet",
    "same, under EndpointSlice churn",
    "CPU under churn",
  ];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---:").join("|")}|`];
  for (const row of rows) {
    const s = row.shape;
    const status =
      row.statusSeconds === undefined
        ? `not within the limit (${int(row.statusProgress.routes)} routes, ${row.statusProgress.gateways} Gateways done)`
        : seconds(row.statusSeconds);
    lines.push(
      `| ${[
        int(s.routes),
        int(s.gateways),
        `${int(s.services)} / ${int(s.services)}`,
        int(s.namespaces),
        `${row.createSeconds === undefined ? "kept from an earlier run" : seconds(row.createSeconds)} (${int(row.objects)} objects)`,
        seconds(row.readySeconds),
        status,
        row.cpuSecondsToStatus.toFixed(1),
        `${int(row.statusWrites)}${row.statusConflicts + row.statusErrors > 0 ? ` (+${row.statusConflicts} conflicts, ${row.statusErrors} errors)` : ""}`,
        `${int(row.peakRssMiB)} MiB`,
        row.steadyRssMiB === undefined ? "-" : `${int(row.steadyRssMiB)} MiB`,
        latency(row.quiet),
        row.churnRate === undefined ? "-" : `${latency(row.churn)} at ${row.churnRate.toFixed(0)}/s`,
        row.churnCpuPercent === undefined ? "-" : `${row.churnCpuPercent.toFixed(0)}%`,
      ].join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

/** The API server's share of each route change: PATCH sent until a watcher (the bench's own) saw it. */
export function renderApiShare(rows: readonly ScaleRow[]): string {
  const lines = rows
    .filter((row) => row.quietWatched.length > 0)
    .map((row) => `  ${int(row.shape.routes)} routes: quiet ${latency(row.quietWatched)}, under churn ${latency(row.churnWatched)}`);
  return lines.length === 0 ? "" : ["route change -> seen by a watcher of the API server (the part that is not Courier's), p50 / p99:", ...lines].join("\n");
}

/** One line per issue 16 target, judged on the 10,000-route row (if it ran). */
export function renderTargets(rows: readonly ScaleRow[]): string {
  const row = rows.find((r) => r.shape.routes === TARGETS.routes);
  if (row === undefined) return "targets (10,000 routes): not run";
  const p99 = (samples: readonly Sample[]): number => percentile(samples, 99) ?? Number.POSITIVE_INFINITY;
  const checks: [string, boolean, string][] = [
    ["ready < 10 s", (row.readySeconds ?? Infinity) < TARGETS.readySeconds, seconds(row.readySeconds)],
    ["every status written < 60 s", (row.statusSeconds ?? Infinity) < TARGETS.statusSeconds, seconds(row.statusSeconds)],
    ["peak RSS < 256 MiB", row.peakRssMiB < TARGETS.peakRssMiB, `${int(row.peakRssMiB)} MiB`],
    ["route change p99 < 100 ms, quiet", p99(row.quiet) < TARGETS.routedP99Ms, `${ms(p99(row.quiet))} ms`],
    ["route change p99 < 100 ms, churn", p99(row.churn) < TARGETS.routedP99Ms, `${ms(p99(row.churn))} ms`],
  ];
  return ["targets (10,000 routes):", ...checks.map(([label, met, value]) => `  ${met ? "met   " : "MISSED"} ${label}: ${value}`)].join("\n");
}
