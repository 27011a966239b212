// Turns the measured cells into the one table the benchmark prints: every target's
// number, Courier's ratio to the reference it is judged against, the data-plane
// targets (Bun floor per core, HAProxy's latency, idle memory), and whether each is met. A second table shows how busy the load core was.
import { TARGET_IDS, TARGET_LABELS, type TargetId } from "./targets.ts";
import type { Cell, WorkloadId } from "./workloads.ts";

export type Results = Map<WorkloadId, Map<TargetId, Cell>>;

type Reference = "best-tuned" | "best-stock" | "haproxy" | "direct" | "bun-floor";

interface Check {
  readonly against: Reference;
  /** Courier ÷ reference must be at least (higher is better) or at most (lower is better) this. */
  readonly bound: number;
}

interface Row {
  readonly workload: WorkloadId;
  readonly key: string;
  readonly label: string;
  readonly digits: number;
  readonly higherIsBetter: boolean;
  /** The reference the ratio column shows when there is no target. */
  readonly ratioAgainst: Reference;
  readonly checks: readonly Check[];
  /** An absolute bound on Courier's own value (idle memory). */
  readonly absoluteMax?: number;
}

const ROWS: readonly Row[] = [
  { workload: "bulk1", key: "gbit", label: "bulk, 1 conn (Gbit/s)", digits: 1, higherIsBetter: true, ratioAgainst: "best-tuned", checks: [{ against: "bun-floor", bound: 0.98 }] },
  { workload: "bulk1", key: "cpuPerGB", label: "bulk, 1 conn (proxy CPU s/GB)", digits: 3, higherIsBetter: false, ratioAgainst: "best-tuned", checks: [] },
  { workload: "bulk16", key: "gbit", label: "bulk, 16 conns (Gbit/s)", digits: 1, higherIsBetter: true, ratioAgainst: "best-tuned", checks: [{ against: "bun-floor", bound: 0.98 }] },
  { workload: "bulk16", key: "cpuPerGB", label: "bulk, 16 conns (proxy CPU s/GB)", digits: 3, higherIsBetter: false, ratioAgainst: "best-tuned", checks: [] },
  { workload: "cps", key: "perSecond", label: "hello + 64 B echo (conn/s)", digits: 0, higherIsBetter: true, ratioAgainst: "haproxy", checks: [] },
  { workload: "cps", key: "cpuMicros", label: "hello + 64 B echo (proxy CPU µs/conn)", digits: 1, higherIsBetter: false, ratioAgainst: "haproxy", checks: [{ against: "bun-floor", bound: 1.05 }] },
  { workload: "tls", key: "perSecond", label: "TLS 1.3 handshakes, 32 conc. (conn/s)", digits: 0, higherIsBetter: true, ratioAgainst: "haproxy", checks: [] },
  { workload: "tls", key: "cpuMicros", label: "TLS 1.3 handshakes (proxy CPU µs/conn)", digits: 1, higherIsBetter: false, ratioAgainst: "haproxy", checks: [{ against: "bun-floor", bound: 1.05 }] },
  { workload: "latency", key: "p50", label: "64 B ping-pong p50 (µs)", digits: 1, higherIsBetter: false, ratioAgainst: "haproxy", checks: [] },
  { workload: "latency", key: "p99", label: "64 B ping-pong p99 (µs)", digits: 1, higherIsBetter: false, ratioAgainst: "haproxy", checks: [{ against: "haproxy", bound: 1.0 }] },
  { workload: "pgbench", key: "tps", label: "PostgreSQL: pgbench -S, 8 clients, TLS (tps)", digits: 0, higherIsBetter: true, ratioAgainst: "direct", checks: [] },
  { workload: "pgbench", key: "cpuMicros", label: "PostgreSQL: pgbench -S (proxy CPU µs/tx)", digits: 1, higherIsBetter: false, ratioAgainst: "direct", checks: [] },
  { workload: "pgbenchConnect", key: "tps", label: "PostgreSQL: pgbench -S -C, new TLS session per tx (tps)", digits: 0, higherIsBetter: true, ratioAgainst: "direct", checks: [] },
  { workload: "idle", key: "kibPerConn", label: "RSS per idle conn at 9,900 (KiB)", digits: 2, higherIsBetter: false, ratioAgainst: "haproxy", checks: [], absoluteMax: 2.5 },
];

const REFERENCE_LABEL: Readonly<Record<Reference, string>> = { "best-tuned": "best tuned", "best-stock": "best stock", haproxy: "HAProxy", direct: "direct", "bun-floor": "Bun floor" };

function value(results: Results, row: Row, target: TargetId): number | undefined {
  return results.get(row.workload)?.get(target)?.metrics[row.key];
}

function reference(results: Results, row: Row, against: Reference): number | undefined {
  const ids: readonly TargetId[] = against === "best-tuned" ? ["haproxy-tuned", "nginx-tuned"] : against === "best-stock" ? ["haproxy", "nginx"] : [against];
  const values = ids.map((id) => value(results, row, id)).filter((v): v is number => v !== undefined);
  if (values.length === 0) return undefined;
  return row.higherIsBetter ? Math.max(...values) : Math.min(...values);
}

function ratioText(courier: number, ref: number | undefined, against: Reference): string {
  return ref === undefined || ref === 0 ? "" : `${(courier / ref).toFixed(2)}× ${REFERENCE_LABEL[against]}`;
}

function verdict(results: Results, row: Row, courier: number): { target: string; met: string } {
  const targets: string[] = [];
  const verdicts: string[] = [];
  for (const check of row.checks) {
    const op = row.higherIsBetter ? "≥" : "≤";
    targets.push(`${op} ${check.bound}× ${REFERENCE_LABEL[check.against]}`);
    const ref = reference(results, row, check.against);
    if (ref === undefined || ref === 0) verdicts.push("n/a");
    else verdicts.push((row.higherIsBetter ? courier / ref >= check.bound : courier / ref <= check.bound) ? "yes" : "NO");
  }
  if (row.absoluteMax !== undefined) {
    targets.push(`≤ ${row.absoluteMax}`);
    verdicts.push(courier <= row.absoluteMax ? "yes" : "NO");
  }
  return { target: targets.join(", "), met: verdicts.join(", ") };
}

export function renderTable(results: Results, targets: readonly TargetId[] = TARGET_IDS): string {
  const header = ["workload", ...targets.map((t) => TARGET_LABELS[t]), "Courier ratio", "target", "met", "2 workers ÷ 1"];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
  for (const row of ROWS) {
    if (!results.has(row.workload)) continue;
    const cells = targets.map((t) => {
      const v = value(results, row, t);
      return v === undefined || (t === "direct" && /cpu|kib/i.test(row.key)) ? "–" : v.toFixed(row.digits);
    });
    const courier = value(results, row, "courier");
    let ratio = "";
    let judged = { target: "", met: "" };
    if (courier !== undefined) {
      // The judged ratios, and the one against the usual reference beside them.
      const shown = [...row.checks, ...(row.checks.some((c) => c.against === row.ratioAgainst) ? [] : [{ against: row.ratioAgainst, bound: 0 }])];
      ratio = shown.map((c) => ratioText(courier, reference(results, row, c.against), c.against)).filter((s) => s !== "").join(", ");
      judged = verdict(results, row, courier);
    }
    const twoWorkers = value(results, row, "courier-2w");
    const scaling = courier === undefined || twoWorkers === undefined || courier === 0 ? "" : `${(twoWorkers / courier).toFixed(2)}×`;
    lines.push(`| ${[row.label, ...cells, ratio, judged.target, judged.met, scaling].join(" | ")} |`);
  }
  return lines.join("\n");
}

export function renderLoadTable(results: Results, targets: readonly TargetId[] = TARGET_IDS): string {
  const header = ["load core busy (loadgen + backends)", ...targets.map((t) => TARGET_LABELS[t])];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
  for (const [workload, cells] of results) {
    const row = targets.map((t) => {
      const cell = cells.get(t);
      if (cell === undefined) return "–";
      const errors = cell.errors > 0 ? ` (${cell.errors} errors)` : "";
      return `${Math.round(cell.loadgenShare * 100)}% + ${Math.round(cell.backendShare * 100)}%${errors}`;
    });
    lines.push(`| ${[workload, ...row].join(" | ")} |`);
  }
  return lines.join("\n");
}
