// Courier's per-route timeouts travel as annotations in Go's duration syntax
// ("90s", "2h", "1h30m"), because that is what operators already write for
// Kubernetes tooling and what the proxy parses.

import { Duration } from "cdk8s";
import { invalid } from "./messages.js";

const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

/** A Go-style duration string, or a cdk8s Duration converted to one. */
export type DurationInput = string | Duration;

/** Renders a cdk8s Duration as the shortest Go duration string of whole units. */
export function toGoDuration(value: DurationInput): string {
  if (typeof value === "string") return value;
  let ms = value.toMilliseconds();
  if (ms === 0) return "0s";
  const parts: string[] = [];
  for (const [unit, size] of [["h", 3_600_000], ["m", 60_000], ["s", 1_000], ["ms", 1]] as const) {
    const whole = Math.floor(ms / size);
    if (whole > 0) {
      parts.push(`${whole}${unit}`);
      ms -= whole * size;
    }
  }
  return parts.join("");
}

/** Returns an error when `value` is not a positive Go duration. */
export function checkGoDuration(field: string, value: string): string | undefined {
  if (!GO_DURATION.test(value)) {
    return invalid(field, `${JSON.stringify(value)} is not a Go duration`, "write it like \"90s\", \"30m\" or \"2h\" (units ns, us, ms, s, m, h)");
  }
  if (!/[1-9]/.test(value)) {
    return invalid(field, `${JSON.stringify(value)} is zero`, "give a positive duration, or leave the option out for the proxy's default");
  }
  return undefined;
}
