// Plan warnings are logged when they appear, not at every Plan: at 10,000 routes a
// rebuild for one change would otherwise repeat every standing warning. A warning
// that goes away is said once at info level, so the log shows it was resolved.
import type { Logger } from "../lib/log.ts";

export interface WarningChanges {
  /** Warnings of this Plan that the previous one did not have, in the Plan's order. */
  readonly appeared: readonly string[];
  /** Warnings of the previous Plan that this one no longer has. */
  readonly resolved: readonly string[];
  /** This Plan's warnings: the `previous` of the next call. */
  readonly current: ReadonlySet<string>;
}

export function warningChanges(previous: ReadonlySet<string>, warnings: readonly string[]): WarningChanges {
  const current = new Set(warnings);
  return {
    appeared: [...current].filter((warning) => !previous.has(warning)),
    resolved: [...previous].filter((warning) => !current.has(warning)),
    current,
  };
}

/** A function to call with each Plan's warnings; it logs only what changed since the last call. */
export function planWarningLog(log: Logger): (warnings: readonly string[]) => void {
  let previous: ReadonlySet<string> = new Set();
  return (warnings) => {
    const changes = warningChanges(previous, warnings);
    previous = changes.current;
    for (const warning of changes.appeared) log.warn(warning);
    for (const warning of changes.resolved) log.info("warning resolved", { warning });
  };
}
