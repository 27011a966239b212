// What every connection of a data plane shares, what it shares per listener, and the
// calls the data plane's socket handlers and sweeper make on a connection. Types only:
// the connection and the data plane both depend on this, and it on neither.
import type { Socket, SocketHandler } from "bun";
import type { AccessLog } from "./accessLog.ts";
import type { BackendStats } from "./backendMetrics.ts";
import type { ListenerMetrics } from "./connectionMetrics.ts";
import type { EndpointState } from "./endpointState.ts";
import type { PendingHelloCaps } from "./pendingHelloCaps.ts";
import type { Limits } from "../../contract/index.ts";
import type { Logger } from "../lib/log.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { PlannedBackend } from "../model/plan.ts";
import type { RouteTable } from "./routeTable.ts";

/** A connection as the sweeper and a drain see it. */
export interface TrackedConnection {
  /** Enforces every deadline against the coarse clock. */
  checkTimers(now: number): void;
  /** Ends the connection now, whatever its state. */
  forceClose(): void;
  /** What the admin page lists about it; built only when asked. */
  describe(now: number): LiveConnection;
}

/** One open connection as the admin page shows it. */
export interface LiveConnection {
  readonly client: string;
  readonly listener: string;
  readonly state: string;
  readonly sni: string;
  readonly route: string;
  readonly backend: string;
  readonly endpoint: string;
  readonly ageMs: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
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
  readonly accessLog: AccessLog;
  /** Connections still waiting for their ClientHello, per source address and in total. */
  readonly pending: PendingHelloCaps;
  /** Per route and backend series of the current configuration (replaced whole with it). */
  backendStats: ReadonlyMap<PlannedBackend, BackendStats>;
}

/** One listening socket's mutable state; `table` is swapped whole on a new Plan. */
export interface ListenerState {
  table: RouteTable;
  /** "address:port" as planned: the `listener` label and log field. */
  readonly name: string;
  active: number;
  readonly metrics: ListenerMetrics;
}
