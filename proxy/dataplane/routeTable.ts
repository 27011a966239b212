// Hostname -> route lookup for one listening socket. Pure and immutable once built.
// Lookup cost depends on the number of labels in the SNI, never on the number of
// routes: exact names and wildcard suffixes are both hash lookups.
import type { PlannedHost, PlannedRoute } from "../model/plan.ts";

export interface RouteTable {
  /** Exact hostnames. */
  readonly exact: ReadonlyMap<string, PlannedRoute>;
  /** Wildcards keyed by their suffix without "*.": "*.example.com" -> "example.com". */
  readonly wildcard: ReadonlyMap<string, PlannedRoute>;
  /** The route for any SNI ("*"), if one exists. */
  readonly any: PlannedRoute | undefined;
}

/** A table filled part by part (a large Plan reaches a data-plane worker in pieces). */
export class RouteTableBuilder {
  private readonly exact = new Map<string, PlannedRoute>();
  private readonly wildcard = new Map<string, PlannedRoute>();
  private any: PlannedRoute | undefined;

  add(hosts: readonly PlannedHost[]): this {
    // translate() has already de-conflicted hosts; on a duplicate the first one wins so
    // that the table is deterministic even for hand-made plans.
    for (const { hostname, route } of hosts) {
      if (hostname === "*") {
        this.any ??= route;
      } else if (hostname.startsWith("*.")) {
        const suffix = hostname.slice(2);
        if (!this.wildcard.has(suffix)) this.wildcard.set(suffix, route);
      } else if (!this.exact.has(hostname)) {
        this.exact.set(hostname, route);
      }
    }
    return this;
  }

  table(): RouteTable {
    return { exact: this.exact, wildcard: this.wildcard, any: this.any };
  }
}

/** A copy of `table` with hostnames removed, then hosts set (replacing their routes). */
export function patchTable(table: RouteTable, changes: { readonly set: readonly PlannedHost[]; readonly remove: readonly string[] }): RouteTable {
  const exact = new Map(table.exact);
  const wildcard = new Map(table.wildcard);
  let any = table.any;
  for (const hostname of changes.remove) {
    if (hostname === "*") any = undefined;
    else if (hostname.startsWith("*.")) wildcard.delete(hostname.slice(2));
    else exact.delete(hostname);
  }
  for (const { hostname, route } of changes.set) {
    if (hostname === "*") any = route;
    else if (hostname.startsWith("*.")) wildcard.set(hostname.slice(2), route);
    else exact.set(hostname, route);
  }
  return { exact, wildcard, any };
}

export function buildRouteTable(hosts: readonly PlannedHost[]): RouteTable {
  return new RouteTableBuilder().add(hosts).table();
}

/**
 * Finds the route for an SNI (already lowercase, no trailing dot): the exact name,
 * then the wildcard with the longest suffix. A wildcard stands for one or more
 * labels, so "*.example.com" matches "a.b.example.com" but never "example.com".
 */
export function lookupRoute(table: RouteTable, serverName: string): PlannedRoute | undefined {
  const exact = table.exact.get(serverName);
  if (exact !== undefined) return exact;
  if (table.wildcard.size > 0) {
    // Each suffix after a dot, longest first: "a.b.example.com" tries
    // "b.example.com", "example.com", "com".
    let dot = serverName.indexOf(".");
    while (dot !== -1) {
      const route = table.wildcard.get(serverName.slice(dot + 1));
      if (route !== undefined) return route;
      dot = serverName.indexOf(".", dot + 1);
    }
  }
  return table.any;
}
