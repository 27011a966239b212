// Numeric ranges from the Gateway API schemas, checked before a cluster sees them.

import { invalid } from "./messages.js";

export const MAX_WEIGHT = 1_000_000;

/** Returns an error when `port` is not an integer in 1..65535. */
export function checkPort(field: string, port: number): string | undefined {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return invalid(field, `port ${port} is outside 1..65535`, "use a whole number between 1 and 65535");
  }
  return undefined;
}

/** Returns an error when `weight` is not an integer in 0..1,000,000. */
export function checkWeight(field: string, weight: number): string | undefined {
  if (!Number.isInteger(weight) || weight < 0 || weight > MAX_WEIGHT) {
    return invalid(field, `weight ${weight} is outside 0..1,000,000`, "use a whole number between 0 and 1000000 (weights are relative, e.g. 90 and 10)");
  }
  return undefined;
}
