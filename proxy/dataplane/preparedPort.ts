// A planned listening socket made ready for the data plane: its route table built and
// its routes listed once (a port with 80,000 hostnames may have 5,000 routes). Built
// from hosts given in parts, so that a data-plane worker receiving a large Plan
// returns to its sockets between the parts instead of stalling on the whole.
import type { PlannedHost, PlannedPort, PlannedRoute } from "../model/plan.ts";
import type { HostChanges } from "./hostChanges.ts";
import { patchTable, RouteTableBuilder, type RouteTable } from "./routeTable.ts";

export interface PreparedPort {
  /** The socket and its listeners; the hosts live on only in the table. */
  readonly shape: PortShape;
  readonly table: RouteTable;
  /** Each route once (by object), in configuration order. */
  readonly routes: readonly PlannedRoute[];
}

/** A port without its hosts: what is left to send once the hosts went in parts. */
export type PortShape = Omit<PlannedPort, "hosts">;

export class PortBuilder {
  private readonly table = new RouteTableBuilder();
  private readonly routes = new Set<PlannedRoute>();

  add(hosts: readonly PlannedHost[]): void {
    for (const host of hosts) this.routes.add(host.route);
    this.table.add(hosts);
  }

  finish(shape: PortShape): PreparedPort {
    return { shape, table: this.table.table(), routes: [...this.routes] };
  }
}

/** A port prepared from the one before it and what changed (hostChanges.ts); the one before is left as it was. */
export function patchPort(previous: PreparedPort, shape: PortShape, changes: HostChanges): PreparedPort {
  const table = patchTable(previous.table, changes);
  const routes = new Set<PlannedRoute>(table.exact.values());
  for (const route of table.wildcard.values()) routes.add(route);
  if (table.any !== undefined) routes.add(table.any);
  return { shape, table, routes: [...routes] };
}

export function preparePort(port: PlannedPort): PreparedPort {
  const builder = new PortBuilder();
  builder.add(port.hosts);
  return builder.finish({ address: port.address, port: port.port, listeners: port.listeners });
}
