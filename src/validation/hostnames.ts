// Hostname rules shared by listeners and routes. The rules live in
// contract/hostnames.ts, shared with the proxy; this puts them in synth errors.

import { hostnameProblem } from "../../contract/index.js";
import { invalid } from "./messages.js";

/**
 * Returns an error message when `hostname` is not a valid Gateway API hostname,
 * or undefined when it is. `field` names where the value came from.
 */
export function checkHostname(field: string, hostname: string): string | undefined {
  const found = hostnameProblem(hostname);
  return found === undefined ? undefined : invalid(field, found.problem, found.fix);
}
