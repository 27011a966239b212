// The data plane's metrics and the reasons it counts connections under, named once:
// the connection state machine, the listeners and the admin page use these. Reasons
// are metric label values and log fields, so each set is fixed and small. Names come
// from the contract (contract/metrics.ts), which the dashboard and alerts query.
//
// Everything a connection touches is a handle looked up once per listener (or per
// route and backend, see backendMetrics.ts): counting costs a field increment.
import { METRIC } from "../../contract/index.ts";
import type { HistogramSeries } from "../lib/histogram.ts";
import type { Counter, Metrics } from "../lib/metrics.ts";
import type { HelloRejectReason } from "./clienthello/clientHelloTypes.ts";
import type { AttemptRejectReason } from "./endpointAttempts.ts";
import type { PendingRefusal } from "./pendingHelloCaps.ts";
import type { PostgresRejectReason } from "./postgresPreamble.ts";

/**
 * Why a connection was refused before any byte was forwarded: the ClientHello, the
 * PostgreSQL preamble and the endpoint attempts each name their own; the rest are:
 * - `hello-incomplete`: the client sent FIN before a whole ClientHello.
 * - `hello-timeout`: no whole ClientHello within the hello timeout.
 * - `unknown-sni`: no route for the server name on this listener.
 * - `upstream-closed-early`: the endpoint closed before forwarding began.
 * - `too-many-connections`: the listener was at its connection limit.
 * - `too-many-pending-from-client`, `too-many-pending`: too many connections of its
 *   source address, or of the process, were still waiting for a ClientHello.
 */
export type RejectReason =
  | HelloRejectReason
  | PostgresRejectReason
  | AttemptRejectReason
  | "hello-incomplete"
  | "hello-timeout"
  | "unknown-sni"
  | "upstream-closed-early"
  | "too-many-connections"
  | PendingRefusal;

/** Why the proxy ended a connection that was forwarding. */
export type AbortReason = "upstream-write-failed" | "client-write-failed" | "upstream-reset" | "idle-timeout" | "shutdown";

/** Which side ended a forwarded connection first: its FIN or close, or the proxy (an AbortReason). */
export type ClosedBy = "client" | "upstream" | "proxy";

const HELP = {
  accepted: "Connections accepted, by listening socket.",
  active: "Connections open now, from accept to close, by listening socket.",
  routed: "Connections forwarded to an endpoint.",
  closed: "Connections that ended without being refused, by the side that ended them first.",
  rejected: "Connections refused before any byte was forwarded, by reason.",
  aborted: "Forwarded connections ended by the proxy, by reason.",
  connectFailures: "Connections to an endpoint that failed or timed out, by reason.",
  bytes: "Bytes forwarded, counted while connections are open; direction upstream is client to endpoint.",
  helloWait: "Time from accept to a complete ClientHello.",
  connect: "Time to establish the TCP connection to an endpoint (successful connects).",
  duration: "Time from accept to close of forwarded connections.",
} as const;

/** Bucket bounds in seconds: the hello timeout defaults to 10 s, connects to 5 s, and connections live from milliseconds to days. */
const HELLO_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const CONNECT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const DURATION_BUCKETS = [0.01, 0.1, 1, 10, 60, 300, 900, 3600, 14_400, 86_400];

/** One listening socket's handles, looked up once when it starts listening. */
export interface ListenerMetrics {
  readonly accepted: Counter;
  readonly active: Counter;
  readonly routed: Counter;
  readonly closedBy: Readonly<Record<ClosedBy, Counter>>;
  readonly bytesUp: Counter;
  readonly bytesDown: Counter;
  readonly helloWait: HistogramSeries;
  readonly connect: HistogramSeries;
  readonly duration: HistogramSeries;
  /** A refusal's counter, made on the first refusal for that reason. */
  rejected(reason: RejectReason): Counter;
  aborted(reason: AbortReason): Counter;
}

/** @param listener the socket, "address:port" */
export function listenerMetrics(metrics: Metrics, listener: string): ListenerMetrics {
  const labels = { listener };
  const byReason = new Map<string, Counter>();
  const reasonCounter = (name: string, help: string, reason: string): Counter => {
    const key = `${name} ${reason}`;
    let counter = byReason.get(key);
    if (counter === undefined) byReason.set(key, (counter = metrics.counter(name, help, { listener, reason })));
    return counter;
  };
  const closedBy = (by: ClosedBy): Counter => metrics.counter(METRIC.connectionsClosed, HELP.closed, { listener, closed_by: by });
  return {
    accepted: metrics.counter(METRIC.connectionsAccepted, HELP.accepted, labels),
    active: metrics.gauge(METRIC.connectionsActive, HELP.active, labels),
    routed: metrics.counter(METRIC.connectionsRouted, HELP.routed, labels),
    closedBy: { client: closedBy("client"), upstream: closedBy("upstream"), proxy: closedBy("proxy") },
    bytesUp: metrics.counter(METRIC.forwardedBytes, HELP.bytes, { listener, direction: "upstream" }),
    bytesDown: metrics.counter(METRIC.forwardedBytes, HELP.bytes, { listener, direction: "client" }),
    helloWait: metrics.histogram(METRIC.helloWait, HELP.helloWait, HELLO_BUCKETS, labels),
    connect: metrics.histogram(METRIC.upstreamConnect, HELP.connect, CONNECT_BUCKETS, labels),
    duration: metrics.histogram(METRIC.connectionDuration, HELP.duration, DURATION_BUCKETS, labels),
    rejected: (reason) => reasonCounter(METRIC.connectionsRejected, HELP.rejected, reason),
    aborted: (reason) => reasonCounter(METRIC.connectionsAborted, HELP.aborted, reason),
  };
}

/** @param reason "timeout", or the lowercased error code of the failed connect */
export function countConnectFailure(metrics: Metrics, reason: string): void {
  metrics.inc(METRIC.upstreamConnectFailures, HELP.connectFailures, { reason });
}
