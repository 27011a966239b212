// Health-check annotations are checked with the proxy's own reader: whatever it
// would fall back on (and name in the route's status) is refused here instead.

import { readHealthCheck } from "../../contract/index.js";
import { invalid } from "./messages.js";

/** One error per health-check annotation the proxy could not use as written. */
export function checkHealthCheck(annotations: Readonly<Record<string, string>>): string[] {
  return readHealthCheck(annotations).problems.map((p) => invalid(`metadata.annotations["${p.annotation}"]`, p.problem, p.fix));
}
