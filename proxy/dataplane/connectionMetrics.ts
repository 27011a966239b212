// The data plane's metric names and the reasons it counts connections under, named
// once: the connection state machine, the listeners and the admin page use these.
// Reasons are metric label values and log fields, so each set is fixed and small.
import type { Counter, Metrics } from "../lib/metrics.ts";
import type { HelloRejectReason } from "./clienthello/clientHelloTypes.ts";
import type { AttemptRejectReason } from "./endpointAttempts.ts";
import type { PostgresRejectReason } from "./postgresPreamble.ts";

/**
 * Why a connection was refused before any byte was forwarded: the ClientHello, the
 * PostgreSQL preamble and the endpoint attempts each name their own; the rest are:
 * - `hello-incomplete`: the client sent FIN before a whole ClientHello.
 * - `hello-timeout`: no whole ClientHello within the hello timeout.
 * - `unknown-sni`: no route for the server name on this listener.
 * - `upstream-closed-early`: the endpoint closed before forwarding began.
 * - `too-many-connections`: the listener was at its connection limit.
 */
export type RejectReason =
  | HelloRejectReason
  | PostgresRejectReason
  | AttemptRejectReason
  | "hello-incomplete"
  | "hello-timeout"
  | "unknown-sni"
  | "upstream-closed-early"
  | "too-many-connections";

/** Why the proxy ended a connection that was forwarding. */
export type AbortReason = "upstream-write-failed" | "client-write-failed" | "upstream-reset" | "idle-timeout" | "shutdown";

interface Family {
  readonly name: string;
  readonly help: string;
}

const ACCEPTED: Family = { name: "courier_connections_accepted_total", help: "Connections accepted, by listener port." };
const ROUTED: Family = { name: "courier_connections_routed_total", help: "Connections forwarded to an endpoint." };
const CLOSED: Family = { name: "courier_connections_closed_total", help: "Connections closed, whatever the reason." };
const REJECTED: Family = { name: "courier_connections_rejected_total", help: "Connections refused before any byte was forwarded, by reason." };
const ABORTED: Family = { name: "courier_connections_aborted_total", help: "Forwarded connections ended by the proxy, by reason." };
const CONNECT_FAILURES: Family = { name: "courier_upstream_connect_failures_total", help: "Connections to an endpoint that failed or timed out." };
const OPEN: Family = { name: "courier_connections_open", help: "Connections open now." };
const BYTES_CLOSED: Family = { name: "courier_bytes_forwarded_closed_total", help: "Bytes forwarded by closed connections, client to upstream and back." };

/** One listener's per-connection counters, looked up once when it starts listening. */
export interface ListenerCounters {
  readonly accepted: Counter;
  readonly routed: Counter;
  readonly closed: Counter;
}

export function listenerCounters(metrics: Metrics, port: number): ListenerCounters {
  const labels = { port };
  return {
    accepted: metrics.counter(ACCEPTED.name, ACCEPTED.help, labels),
    routed: metrics.counter(ROUTED.name, ROUTED.help, labels),
    closed: metrics.counter(CLOSED.name, CLOSED.help, labels),
  };
}

export function countRejected(metrics: Metrics, port: number, reason: RejectReason): void {
  metrics.inc(REJECTED.name, REJECTED.help, { port, reason });
}

export function countAborted(metrics: Metrics, port: number, reason: AbortReason): void {
  metrics.inc(ABORTED.name, ABORTED.help, { port, reason });
}

/** @param reason "timeout", or the lowercased error code of the failed connect */
export function countConnectFailure(metrics: Metrics, reason: string): void {
  metrics.inc(CONNECT_FAILURES.name, CONNECT_FAILURES.help, { reason });
}

/** Sets the gauges that are read off the data plane when /metrics is scraped. */
export function setTrafficGauges(metrics: Metrics, open: number, bytesUp: number, bytesDown: number): void {
  metrics.set(OPEN.name, OPEN.help, open);
  metrics.set(BYTES_CLOSED.name, BYTES_CLOSED.help, bytesUp, { direction: "upstream" });
  metrics.set(BYTES_CLOSED.name, BYTES_CLOSED.help, bytesDown, { direction: "client" });
}
