// What changed in a port's hosts between two Plans, so that a data-plane worker gets
// only that: hostnames whose route changed or that are new (a route that changed is a
// new object: translate reuses the objects of unchanged routes), and hostnames gone.
import type { PlannedHost } from "../model/plan.ts";

export interface HostChanges {
  readonly set: readonly PlannedHost[];
  readonly remove: readonly string[];
}

export function hostChanges(previous: readonly PlannedHost[], next: readonly PlannedHost[]): HostChanges {
  const before = new Map<string, PlannedHost["route"]>();
  for (const { hostname, route } of previous) if (!before.has(hostname)) before.set(hostname, route);
  const set: PlannedHost[] = [];
  const kept = new Set<string>();
  for (const host of next) {
    if (kept.has(host.hostname)) continue;
    kept.add(host.hostname);
    if (before.get(host.hostname) !== host.route) set.push(host);
  }
  const remove = [...before.keys()].filter((hostname) => !kept.has(hostname));
  return { set, remove };
}
