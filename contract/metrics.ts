// The proxy's metric names, which the construct library's Grafana dashboard and
// Prometheus alerts query. Prometheus conventions: base units (seconds, bytes) in the
// name, `_total` on counters, labels from small fixed sets. A rename here is a rename
// in both places at once; the tests check that every name a query uses is exported.

/** Labels: `listener` is the listening socket "address:port"; `reason`, `closed_by`, `direction` are fixed sets. */
export const METRIC = {
  /** Counter {listener}: connections accepted by a listening socket. */
  connectionsAccepted: "courier_connections_accepted_total",
  /** Gauge {listener}: connections open now (from accept to close). */
  connectionsActive: "courier_connections_active",
  /** Counter {listener, reason}: connections refused before any byte was forwarded (the log's "rejected" records). */
  connectionsRejected: "courier_connections_rejected_total",
  /** Counter {listener}: connections forwarded to an endpoint. */
  connectionsRouted: "courier_connections_routed_total",
  /** Counter {listener, closed_by}: connections that ended without being refused; closed_by is client, upstream or proxy (first to end it). */
  connectionsClosed: "courier_connections_closed_total",
  /** Counter {listener, reason}: forwarded connections the proxy ended (idle timeout, reset, shutdown...). */
  connectionsAborted: "courier_connections_aborted_total",
  /** Counter {reason}: connects to an endpoint that failed or timed out. */
  upstreamConnectFailures: "courier_upstream_connect_failures_total",
  /** Counter {listener, direction}: bytes forwarded, counted while connections are open; direction is upstream or client. */
  forwardedBytes: "courier_forwarded_bytes_total",
  /** Histogram {listener}: accept to a complete ClientHello. */
  helloWait: "courier_hello_wait_seconds",
  /** Histogram {listener}: TCP connect to an endpoint, successful connects only. */
  upstreamConnect: "courier_upstream_connect_seconds",
  /** Histogram {listener}: accept to close of forwarded connections. */
  connectionDuration: "courier_connection_duration_seconds",
  /** Counter {route, backend}: connections forwarded per route and backend (capped, see seriesDropped). */
  backendConnections: "courier_backend_connections_total",
  /** Gauge {route, backend}: forwarded connections open now. */
  backendActive: "courier_backend_connections_active",
  /** Counter {route, backend, direction}: bytes forwarded per route and backend. */
  backendBytes: "courier_backend_forwarded_bytes_total",
  /** Counter {metric}: route/backend series not created because of the cap; their traffic counts under route="(other)". */
  seriesDropped: "courier_metric_series_dropped_total",
  /**
   * Gauge {backend, state}: endpoints of each backend by state: ready; unhealthy (failing
   * its active health checks); ejected (refused a connection recently, checks passing or off).
   */
  backendEndpoints: "courier_backend_endpoints",
  /** Counter {kind, result}: active health checks run; kind is tcp or tls, result is passed or how it failed. */
  healthChecks: "courier_health_checks_total",
  /** Counter: connections sent to an endpoint failing its health checks because no endpoint the route could use was passing them. */
  healthCheckOverrides: "courier_health_check_overrides_total",
  /** Counter: configurations applied to the data plane. */
  configReloads: "courier_config_reloads_total",
  /** Counter: configuration loads that found errors (the last good configuration keeps serving). */
  configErrors: "courier_config_errors_total",
  /** Counter: configuration changes held back until a second read confirms them (file mode: every listener removed, or a file emptied). */
  configHeld: "courier_config_reloads_held_total",
  /** Gauge: Unix time of the last configuration applied. */
  configLastReload: "courier_config_last_reload_timestamp_seconds",
  /** Gauge: listening sockets the configuration asks for that could not be bound. */
  listenersUnbound: "courier_listeners_unbound",
  /** Gauge: 1 while this replica holds the status-writer Lease (cluster mode only). */
  leader: "courier_leader",
  /** Counter: access-log records left out by the rate limit. */
  accessLogDropped: "courier_access_log_records_dropped_total",
  /** Gauge {worker}: connections open now in each data-plane worker thread (how the kernel spreads them). */
  workerConnections: "courier_worker_connections_active",
  /** Counter: data-plane worker threads restarted after they stopped. */
  workerRestarts: "courier_worker_restarts_total",
  /** Gauge: data-plane worker threads configured. */
  workers: "courier_workers",
  /** Gauge: 1 from SIGTERM on, while open connections drain. */
  draining: "courier_draining",
  /** prom-client's process metrics (no courier_ prefix, as every Prometheus client writes them). */
  processCpu: "process_cpu_seconds_total",
  processResidentMemory: "process_resident_memory_bytes",
  processOpenFds: "process_open_fds",
  processMaxFds: "process_max_fds",
  eventLoopLagP99: "nodejs_eventloop_lag_p99_seconds",
} as const;

/** Route/backend pairs with series of their own; the rest are summed under "(other)". */
export const MAX_BACKEND_SERIES = 500;

/** The route and backend label value for traffic past the series cap. */
export const OTHER_SERIES = "(other)";
