// Durations as Kubernetes users write them, for courier.dev/* route annotations (read
// by the proxy, written and checked by the constructs) and the proxy's flags.
//
// The grammar is exactly Go's time.ParseDuration ("90s", "1h30m", "1.5s", "500ms",
// "0"; units ns, us, µs, ms, s, m, h), because that is what operators write for
// Kubernetes tooling. Two rules narrow it, the same on both sides:
// - never negative: a negative timeout means nothing;
// - whole milliseconds: Courier's timers count milliseconds, and rounding would change
//   what was written ("500us" would become 0, which means off, or 1ms, which is not
//   what was asked), so "500us" is refused and "1000us" is 1ms.
// Zero ("0", "0s", "0ms"...) is accepted and means OFF: no idle timeout, no TCP
// keepalive. A user who writes 0 for a timeout means "never", not "at once"; options
// where off makes no sense (the proxy's hello and connect timeouts) refuse it.

/** A parse outcome: milliseconds, or what is wrong and how to fix it. */
export type DurationResult =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly problem: string; readonly fix: string };

const NS_PER_MS = 1_000_000n;
/** Go's largest Duration (2^63-1 ns): longer values do not fit Go tools reading the same annotation. */
const MAX_GO_DURATION_NS = (1n << 63n) - 1n;

// Both micro signs are Go's: U+00B5 (micro sign) and U+03BC (Greek small mu).
const UNIT_NS: ReadonlyMap<string, bigint> = new Map([
  ["ns", 1n],
  ["us", 1_000n],
  ["\u00b5s", 1_000n],
  ["\u03bcs", 1_000n],
  ["ms", NS_PER_MS],
  ["s", 1_000n * NS_PER_MS],
  ["m", 60_000n * NS_PER_MS],
  ["h", 3_600_000n * NS_PER_MS],
]);

// One term of Go's grammar: digits, optional fraction, then a unit (anything up to
// the next digit or dot, checked against UNIT_NS afterwards, as Go does).
const TERM = /(\d*)(?:\.(\d*))?([^\d.]*)/y;

const SYNTAX_FIX = 'write it like "90s", "30m" or "2h" (units ns, us, ms, s, m, h)';

/** Nanoseconds as Go's time.ParseDuration reads `text`, or undefined when Go refuses it. */
function parseGoNanoseconds(text: string): bigint | undefined {
  let rest = text;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest.startsWith("-");
    rest = rest.slice(1);
  }
  if (rest === "0") return 0n;
  if (rest === "") return undefined;
  let total = 0n;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < rest.length) {
    const match = TERM.exec(rest);
    if (match === null) return undefined;
    const [, whole = "", fraction, unit = ""] = match;
    if (whole === "" && (fraction === undefined || fraction === "")) return undefined;
    const unitNs = UNIT_NS.get(unit);
    if (unitNs === undefined) return undefined;
    total += BigInt(whole === "" ? "0" : whole) * unitNs;
    // Go truncates a fraction finer than a nanosecond; BigInt keeps the rest exact.
    if (fraction !== undefined && fraction !== "") total += (BigInt(fraction) * unitNs) / 10n ** BigInt(fraction.length);
    if (total > MAX_GO_DURATION_NS) return MAX_GO_DURATION_NS + 1n;
  }
  return negative ? -total : total;
}

/** Reads a duration under Courier's rules (see the top of this file). */
export function parseDuration(text: string): DurationResult {
  const quoted = JSON.stringify(text);
  const ns = parseGoNanoseconds(text);
  if (ns === undefined) return { ok: false, problem: `${quoted} is not a Go duration`, fix: SYNTAX_FIX };
  if (ns < 0n) return { ok: false, problem: `${quoted} is negative`, fix: "remove the minus sign" };
  if (ns > MAX_GO_DURATION_NS) return { ok: false, problem: `${quoted} is longer than Go's largest duration (about 292 years)`, fix: "use a shorter duration" };
  if (ns % NS_PER_MS !== 0n) {
    const roundedUp = formatDuration(Number((ns + NS_PER_MS - 1n) / NS_PER_MS));
    return { ok: false, problem: `${quoted} is not a whole number of milliseconds, the resolution of Courier's timers`, fix: `write ${JSON.stringify(roundedUp)}` };
  }
  return { ok: true, ms: Number(ns / NS_PER_MS) };
}

const FORMAT_UNITS: readonly (readonly [string, number])[] = [["h", 3_600_000], ["m", 60_000], ["s", 1_000], ["ms", 1]];

/**
 * The shortest duration string of whole units for `ms` ("1h30m", "1m30s", "250ms"),
 * "0s" for zero; parseDuration reads it back to the same value.
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`a duration is whole, non-negative milliseconds, got ${ms}`);
  if (ms === 0) return "0s";
  let left = ms;
  const parts: string[] = [];
  for (const [unit, size] of FORMAT_UNITS) {
    const whole = Math.floor(left / size);
    if (whole > 0) {
      parts.push(`${whole}${unit}`);
      left -= whole * size;
    }
  }
  return parts.join("");
}
