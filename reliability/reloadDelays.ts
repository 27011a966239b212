// How long writes waited for a reload: for each write, the time until the first
// configuration load that started at or after it. Pure.
import type { LoadRecord } from "./proxyLog.ts";

/** Per write (ms since epoch), ms until the next load at or after it; Infinity when none came. */
export function reloadDelays(writes: readonly number[], loads: readonly LoadRecord[]): number[] {
  const times = loads.map((l) => l.at).sort((a, b) => a - b);
  let next = 0;
  return writes.map((w) => {
    // Log times have millisecond resolution, as do the write times.
    while (next < times.length && times[next]! < w) next++;
    return next < times.length ? times[next]! - w : Infinity;
  });
}
