// Per-route timeouts travel as annotations in Go's duration syntax. The grammar and
// its meaning (including "0" = off) live in contract/durations.ts, shared with the
// proxy; this adds what only the constructs need: cdk8s Durations and error messages.

import type { Duration } from "cdk8s";
import { formatDuration, parseDuration } from "../../contract/index.js";
import { invalid } from "./messages.js";

/** A Go-style duration string, or a cdk8s Duration converted to one. */
export type DurationInput = string | Duration;

/** The annotation value for `value`: a string as given, a cdk8s Duration in its shortest form. */
export function toGoDuration(value: DurationInput): string {
  return typeof value === "string" ? value : formatDuration(value.toMilliseconds());
}

/** Returns an error when the proxy would not read `value` as a duration. */
export function checkGoDuration(field: string, value: string): string | undefined {
  const parsed = parseDuration(value);
  return parsed.ok ? undefined : invalid(field, parsed.problem, parsed.fix);
}
