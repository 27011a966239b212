// The Grafana dashboard that ships with the proxy: traffic, refusals, latencies, bytes,
// routes and backends, endpoint health, configuration and the process. Plain JSON
// (Grafana's dashboard model, schemaVersion 39) with a Prometheus data source variable;
// every metric name comes from the contract.
import { METRIC } from "../../contract/index.js";

export interface DashboardOptions {
  /** PromQL selector that picks the proxy's series, e.g. `namespace="courier-system"`. */
  readonly selector: string;
  /** Dashboard uid (stable, so links and provisioning survive updates). */
  readonly uid: string;
  readonly title: string;
}

type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly targets: readonly { readonly expr: string; readonly legend: string }[];
  readonly description: string;
}

const WIDTH = 12;
const HEIGHT = 8;

function timeseries(panel: Panel, id: number): Json {
  return {
    id,
    type: "timeseries",
    title: panel.title,
    description: panel.description,
    datasource: { type: "prometheus", uid: "${datasource}" },
    gridPos: { x: ((id - 1) % 2) * WIDTH, y: Math.floor((id - 1) / 2) * HEIGHT, w: WIDTH, h: HEIGHT },
    fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
    options: { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } },
    targets: panel.targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), expr: t.expr, legendFormat: t.legend, datasource: { type: "prometheus", uid: "${datasource}" } })),
  };
}

function quantiles(metric: string, s: string): { expr: string; legend: string }[] {
  return [0.5, 0.99].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le) (rate(${metric}_bucket{${s}}[$__rate_interval])))`, legend: `p${q * 100}` }));
}

function panels(s: string): Panel[] {
  return [
    {
      title: "Connections per second",
      unit: "cps",
      description: "Accepted, forwarded (routed) and refused connections.",
      targets: [
        { expr: `sum(rate(${METRIC.connectionsAccepted}{${s}}[$__rate_interval]))`, legend: "accepted" },
        { expr: `sum(rate(${METRIC.connectionsRouted}{${s}}[$__rate_interval]))`, legend: "routed" },
        { expr: `sum(rate(${METRIC.connectionsRejected}{${s}}[$__rate_interval]))`, legend: "refused" },
      ],
    },
    {
      title: "Open connections",
      unit: "short",
      description: "Connections open now, by listening socket.",
      targets: [{ expr: `sum by (listener) (${METRIC.connectionsActive}{${s}})`, legend: "{{listener}}" }],
    },
    {
      title: "Refusals by reason",
      unit: "cps",
      description: "Connections refused before any byte was forwarded.",
      targets: [{ expr: `sum by (reason) (rate(${METRIC.connectionsRejected}{${s}}[$__rate_interval]))`, legend: "{{reason}}" }],
    },
    {
      title: "Bytes forwarded per second",
      unit: "Bps",
      description: "Counted while connections are open (every 250 ms), so long sessions show as they run.",
      targets: [{ expr: `sum by (direction) (rate(${METRIC.forwardedBytes}{${s}}[$__rate_interval]))`, legend: "to {{direction}}" }],
    },
    { title: "ClientHello wait", unit: "s", description: "Accept to a complete ClientHello.", targets: quantiles(METRIC.helloWait, s) },
    { title: "Upstream connect time", unit: "s", description: "TCP connect to an endpoint.", targets: quantiles(METRIC.upstreamConnect, s) },
    { title: "Connection duration", unit: "s", description: "Accept to close of forwarded connections.", targets: quantiles(METRIC.connectionDuration, s) },
    {
      title: "Connections closed by",
      unit: "cps",
      description: "Which side ended forwarded connections first; the proxy's own reasons below.",
      targets: [
        { expr: `sum by (closed_by) (rate(${METRIC.connectionsClosed}{${s}}[$__rate_interval]))`, legend: "{{closed_by}}" },
        { expr: `sum by (reason) (rate(${METRIC.connectionsAborted}{${s}}[$__rate_interval]))`, legend: "proxy: {{reason}}" },
      ],
    },
    {
      title: "Top routes and backends: connections per second",
      unit: "cps",
      description: "Per TLSRoute and backend (series capped; the rest count under (other)).",
      targets: [{ expr: `topk(10, sum by (route, backend) (rate(${METRIC.backendConnections}{${s}}[$__rate_interval])))`, legend: "{{route}} -> {{backend}}" }],
    },
    {
      title: "Top routes and backends: bytes per second",
      unit: "Bps",
      description: "Both directions.",
      targets: [{ expr: `topk(10, sum by (route, backend) (rate(${METRIC.backendBytes}{${s}}[$__rate_interval])))`, legend: "{{route}} -> {{backend}}" }],
    },
    {
      title: "Endpoints by state",
      unit: "short",
      description: "Ready endpoints, endpoints ejected after a refused or timed-out connect, and endpoints failing their active health checks, per backend.",
      targets: [{ expr: `sum by (backend, state) (${METRIC.backendEndpoints}{${s}})`, legend: "{{backend}} {{state}}" }],
    },
    {
      title: "Upstream connect failures",
      unit: "cps",
      description: "By reason (timeout, or the connect's error code).",
      targets: [{ expr: `sum by (reason) (rate(${METRIC.upstreamConnectFailures}{${s}}[$__rate_interval]))`, legend: "{{reason}}" }],
    },
    {
      title: "Configuration",
      unit: "short",
      description: "Reloads applied and loads with errors (last 15 minutes); sockets that cannot be bound; status writer.",
      targets: [
        { expr: `sum(increase(${METRIC.configReloads}{${s}}[15m]))`, legend: "reloads" },
        { expr: `sum(increase(${METRIC.configErrors}{${s}}[15m]))`, legend: "loads with errors" },
        { expr: `sum(${METRIC.listenersUnbound}{${s}})`, legend: "unbound sockets" },
        { expr: `sum(${METRIC.leader}{${s}})`, legend: "status writers" },
      ],
    },
    {
      title: "Process: CPU and event-loop lag",
      unit: "s",
      description: "CPU seconds per second, and the 99th percentile event-loop delay.",
      targets: [
        { expr: `sum by (pod) (rate(${METRIC.processCpu}{${s}}[$__rate_interval]))`, legend: "{{pod}} CPU" },
        { expr: `max by (pod) (${METRIC.eventLoopLagP99}{${s}})`, legend: "{{pod}} lag p99" },
      ],
    },
    {
      title: "Process: memory",
      unit: "bytes",
      description: "Resident memory.",
      targets: [{ expr: `sum by (pod) (${METRIC.processResidentMemory}{${s}})`, legend: "{{pod}}" }],
    },
    {
      title: "Process: open file descriptors",
      unit: "short",
      description: "Two per proxied connection, against the limit.",
      targets: [
        { expr: `sum by (pod) (${METRIC.processOpenFds}{${s}})`, legend: "{{pod}} open" },
        { expr: `max by (pod) (${METRIC.processMaxFds}{${s}})`, legend: "{{pod}} limit" },
      ],
    },
  ];
}

export function courierDashboard(options: DashboardOptions): Json {
  return {
    uid: options.uid,
    title: options.title,
    tags: ["courier", "gateway-api"],
    timezone: "browser",
    schemaVersion: 39,
    version: 1,
    refresh: "30s",
    time: { from: "now-1h", to: "now" },
    templating: { list: [{ name: "datasource", type: "datasource", query: "prometheus", label: "Data source" }] },
    panels: panels(options.selector).map((panel, i) => timeseries(panel, i + 1)),
  };
}
