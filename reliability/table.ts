// The one table the suite prints: a Markdown row per result, printed as soon as the
// row finishes, with the suite-wide limits checked here so every row meets the same.
import type { RssFigures } from "./rss.ts";
import type { Latency } from "./stats.ts";

/** The pod's memory limit in the shipped Deployment. */
const RSS_LIMIT_MIB = 512;
/** Longest forwarding stall allowed while a configuration loads. */
const STALL_LIMIT_MS = 50;
/** Longest a reload may be held back by writes that keep coming. */
export const RELOAD_HOLD_LIMIT_MS = 1_000;

export interface RowResult {
  readonly row: string;
  readonly input: string;
  readonly happened: string;
  readonly bytesLost: number;
  readonly rss?: RssFigures | undefined;
  /** What a real client saw meanwhile: a ping-pong stream's round trips or new connections' set-up. */
  readonly latency?: { readonly what: string; readonly figures: Latency } | undefined;
  /** The longest ping-pong round trip while configurations loaded (a row that loads them). */
  readonly stallMs?: number | undefined;
  /** Why this row fails, found by the row itself. */
  readonly failures: readonly string[];
}

const HEADER = [
  "| row | input | what happened | bytes lost | Courier RSS MiB before / peak / after | client latency ms p50 / p99 / max | max stall ms | result |",
  "|---|---|---|---|---|---|---|---|",
];

const ms = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Every reason the row fails: its own, plus the suite-wide limits. */
export function failuresOf(result: RowResult): string[] {
  const failures = [...result.failures];
  if (result.bytesLost !== 0) failures.push(`${result.bytesLost} bytes lost`);
  if (result.rss !== undefined && result.rss.peakMiB > RSS_LIMIT_MIB) failures.push(`RSS peak ${result.rss.peakMiB.toFixed(0)} MiB over ${RSS_LIMIT_MIB} MiB`);
  if (result.stallMs !== undefined && result.stallMs > STALL_LIMIT_MS) failures.push(`forwarding stalled ${ms(result.stallMs)} ms (limit ${STALL_LIMIT_MS} ms)`);
  return failures;
}

export function formatRow(result: RowResult): string {
  const rss = result.rss === undefined ? "-" : `${result.rss.beforeMiB.toFixed(0)} / ${result.rss.peakMiB.toFixed(0)} / ${result.rss.afterMiB.toFixed(0)}`;
  const l = result.latency;
  const latency = l === undefined || l.figures.count === 0 ? "-" : `${l.what}: ${ms(l.figures.p50)} / ${ms(l.figures.p99)} / ${ms(l.figures.max)} (n=${l.figures.count})`;
  const failures = failuresOf(result);
  const verdict = failures.length === 0 ? "pass" : `**FAIL**: ${failures.join("; ")}`;
  return `| ${[result.row, result.input, result.happened, String(result.bytesLost), rss, latency, result.stallMs === undefined ? "-" : ms(result.stallMs), verdict].map(cell).join(" | ")} |`;
}

export function printHeader(write: (line: string) => void): void {
  for (const line of HEADER) write(line);
}
