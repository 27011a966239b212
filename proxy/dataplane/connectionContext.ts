// What every connection of a data plane shares, what it shares per listener, and the
// calls the data plane's socket handlers and sweeper make on a connection. Types only:
// the connection and the data plane both depend on this, and it on neither.
import type { Socket, SocketHandler } from "bun";
import type { ListenerCounters } from "./connectionMetrics.ts";
import type { EndpointState } from "./endpointState.ts";
import type { Limits } from "../../contract/index.ts";
import type { Logger } from "../lib/log.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { RouteTable } from "./routeTable.ts";

/** A connection as the sweeper and a drain see it. */
export interface TrackedConnection {
  /** Enforces every deadline against the coarse clock. */
  checkTimers(now: number): void;
  /** Ends the connection now, whatever its state. */
  forceClose(): void;
}

/** A connection as the events of its upstream socket reach it. */
export interface UpstreamEvents {
  onUpstreamOpen(socket: Socket<UpstreamLink>): void;
  onUpstreamConnectFailed(reason: string): void;
  onUpstreamData(chunk: Buffer): void;
  onUpstreamDrain(): void;
  onUpstreamEnd(): void;
  onUpstreamClose(hadError: boolean): void;
}

/** The data of an upstream socket; a connect attempt given up on is marked dead. */
export interface UpstreamLink {
  readonly connection: UpstreamEvents;
  live: boolean;
}

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
  readonly live: Set<TrackedConnection>;
  /** Byte totals of closed connections (open ones keep their own). */
  readonly stats: { bytesUp: number; bytesDown: number };
}

/** One listening socket's mutable state; `table` is swapped whole on a new Plan. */
export interface ListenerState {
  table: RouteTable;
  readonly port: number;
  active: number;
  readonly counters: ListenerCounters;
}
