// Active health checks, as a route asks for them in its courier.dev/health-check*
// annotations: the defaults, the bounds and the one reader both sides use. The proxy
// falls back on each problem (a bad knob never takes a route down); the constructs
// refuse the same problems at synth time.
import { formatDuration, parseDuration } from "./durations.js";
import {
  HEALTH_CHECK_ANNOTATION,
  HEALTH_CHECK_HEALTHY_THRESHOLD_ANNOTATION,
  HEALTH_CHECK_INTERVAL_ANNOTATION,
  HEALTH_CHECK_TIMEOUT_ANNOTATION,
  HEALTH_CHECK_UNHEALTHY_THRESHOLD_ANNOTATION,
} from "./names.js";

/** "tcp": a TCP connect within the timeout passes. "tls": a ClientHello with the route's SNI must get a ServerHello back. */
export type HealthCheckKind = "tcp" | "tls";

export const HEALTH_CHECK_KINDS: readonly HealthCheckKind[] = ["tcp", "tls"];

export interface HealthCheckSettings {
  readonly kind: HealthCheckKind;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive passed checks that make an unhealthy endpoint healthy again. */
  readonly healthyThreshold: number;
  /** Consecutive failed checks that make a healthy endpoint unhealthy. */
  readonly unhealthyThreshold: number;
}

export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 5_000;
export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 2_000;
export const DEFAULT_HEALTHY_THRESHOLD = 2;
export const DEFAULT_UNHEALTHY_THRESHOLD = 3;
/** Checks more often than this would be load, not information. */
export const MIN_HEALTH_CHECK_INTERVAL_MS = 100;
export const MAX_HEALTH_CHECK_THRESHOLD = 100;

/** One annotation that cannot be used as written: what is wrong, how to fix it, what is used instead. */
export interface HealthCheckProblem {
  readonly annotation: string;
  readonly problem: string;
  readonly fix: string;
  readonly instead: string;
}

export interface HealthCheckReading {
  /** undefined: the route asked for no checks (or an unknown kind). */
  readonly settings: HealthCheckSettings | undefined;
  readonly problems: readonly HealthCheckProblem[];
}

const TUNING_ANNOTATIONS = [HEALTH_CHECK_INTERVAL_ANNOTATION, HEALTH_CHECK_TIMEOUT_ANNOTATION, HEALTH_CHECK_HEALTHY_THRESHOLD_ANNOTATION, HEALTH_CHECK_UNHEALTHY_THRESHOLD_ANNOTATION] as const;

/** Every annotation readHealthCheck reads (a cluster cache keeps exactly these and the other route settings). */
export const HEALTH_CHECK_ANNOTATIONS: readonly string[] = [HEALTH_CHECK_ANNOTATION, ...TUNING_ANNOTATIONS];

/** Reads a route's health-check annotations; every problem comes with the value used instead. */
export function readHealthCheck(annotations: Readonly<Record<string, string>>): HealthCheckReading {
  const problems: HealthCheckProblem[] = [];
  const kindText = annotations[HEALTH_CHECK_ANNOTATION];
  if (kindText === undefined) {
    // Tuning without a kind checks nothing: said, so that a forgotten line is noticed.
    for (const annotation of TUNING_ANNOTATIONS) {
      if (annotations[annotation] !== undefined) problems.push({ annotation, problem: `set without ${HEALTH_CHECK_ANNOTATION}`, fix: `add ${HEALTH_CHECK_ANNOTATION}: "tcp" or "tls"`, instead: "no health checks" });
    }
    return { settings: undefined, problems };
  }
  if (!(HEALTH_CHECK_KINDS as readonly string[]).includes(kindText)) {
    problems.push({ annotation: HEALTH_CHECK_ANNOTATION, problem: `${JSON.stringify(kindText)} is not "tcp" or "tls"`, fix: 'write "tcp" (connect) or "tls" (ClientHello, expect a ServerHello)', instead: "no health checks" });
    return { settings: undefined, problems };
  }
  const kind = kindText as HealthCheckKind;

  let intervalMs = DEFAULT_HEALTH_CHECK_INTERVAL_MS;
  const intervalText = annotations[HEALTH_CHECK_INTERVAL_ANNOTATION];
  if (intervalText !== undefined) {
    const parsed = parseDuration(intervalText);
    const instead = formatDuration(DEFAULT_HEALTH_CHECK_INTERVAL_MS);
    if (!parsed.ok) problems.push({ annotation: HEALTH_CHECK_INTERVAL_ANNOTATION, problem: parsed.problem, fix: parsed.fix, instead });
    else if (parsed.ms < MIN_HEALTH_CHECK_INTERVAL_MS) problems.push({ annotation: HEALTH_CHECK_INTERVAL_ANNOTATION, problem: `${JSON.stringify(intervalText)} is shorter than ${MIN_HEALTH_CHECK_INTERVAL_MS}ms`, fix: `use ${MIN_HEALTH_CHECK_INTERVAL_MS}ms or more, e.g. "5s"`, instead });
    else intervalMs = parsed.ms;
  }

  // The default timeout, shortened when a short interval leaves no room for it.
  const fallbackTimeoutMs = Math.min(DEFAULT_HEALTH_CHECK_TIMEOUT_MS, Math.floor(intervalMs / 2));
  let timeoutMs = fallbackTimeoutMs;
  const timeoutText = annotations[HEALTH_CHECK_TIMEOUT_ANNOTATION];
  if (timeoutText !== undefined) {
    const parsed = parseDuration(timeoutText);
    const instead = formatDuration(fallbackTimeoutMs);
    if (!parsed.ok) problems.push({ annotation: HEALTH_CHECK_TIMEOUT_ANNOTATION, problem: parsed.problem, fix: parsed.fix, instead });
    else if (parsed.ms === 0) problems.push({ annotation: HEALTH_CHECK_TIMEOUT_ANNOTATION, problem: "0 would fail every check", fix: 'use a positive duration, e.g. "2s"', instead });
    else if (parsed.ms >= intervalMs) problems.push({ annotation: HEALTH_CHECK_TIMEOUT_ANNOTATION, problem: `${JSON.stringify(timeoutText)} is not shorter than the interval (${formatDuration(intervalMs)})`, fix: "make the timeout shorter than the interval", instead });
    else timeoutMs = parsed.ms;
  }

  const threshold = (annotation: string, fallback: number): number => {
    const text = annotations[annotation];
    if (text === undefined) return fallback;
    if (/^\d+$/.test(text)) {
      const value = Number(text);
      if (value >= 1 && value <= MAX_HEALTH_CHECK_THRESHOLD) return value;
    }
    problems.push({ annotation, problem: `${JSON.stringify(text)} is not a whole number in 1..${MAX_HEALTH_CHECK_THRESHOLD}`, fix: `write a number of consecutive checks, e.g. "${fallback}"`, instead: String(fallback) });
    return fallback;
  };
  const healthyThreshold = threshold(HEALTH_CHECK_HEALTHY_THRESHOLD_ANNOTATION, DEFAULT_HEALTHY_THRESHOLD);
  const unhealthyThreshold = threshold(HEALTH_CHECK_UNHEALTHY_THRESHOLD_ANNOTATION, DEFAULT_UNHEALTHY_THRESHOLD);
  return { settings: { kind, intervalMs, timeoutMs, healthyThreshold, unhealthyThreshold }, problems };
}
