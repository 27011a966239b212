// What every connection of a data plane shares, and what it shares per listener.
import type { SocketHandler } from "bun";
import type { Connection, UpstreamLink } from "./connection.ts";
import type { EndpointState } from "./endpointState.ts";
import type { Limits } from "../lib/limits.ts";
import type { Logger } from "../lib/log.ts";
import type { Counter, Metrics } from "../lib/metrics.ts";
import type { RouteTable } from "./routeTable.ts";

export interface ConnectionContext {
  readonly limits: Limits;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly endpoints: EndpointState;
  /** A coarse clock the sweeper advances; cheaper than Date.now() per chunk. */
  readonly clock: { now: number };
  readonly random: () => number;
  readonly upstreamHandlers: SocketHandler<UpstreamLink>;
  /** Every open connection, for the sweeper and for draining. */
  readonly live: Set<Connection>;
  /** Byte totals of closed connections (open ones keep their own). */
  readonly stats: { bytesUp: number; bytesDown: number };
}

/** One listening socket's mutable state; `table` is swapped whole on a new Plan. */
export interface ListenerState {
  table: RouteTable;
  readonly port: number;
  active: number;
  /** This listener's per-connection counters, looked up once. */
  readonly counters: { readonly accepted: Counter; readonly routed: Counter; readonly closed: Counter };
}
