// Per route and backend series: connections, open connections and bytes. Their label
// values come from the configuration, so their number is bounded by a cap: the
// first MAX_BACKEND_SERIES pairs of a configuration get series of their own (kept
// across reloads, so counters never restart while a route stays), the rest count
// under route="(other)" and each pair left out is counted once in
// courier_metric_series_dropped_total. A pair that leaves the configuration loses its
// series; connections still open keep counting into the handle they hold.
import { MAX_BACKEND_SERIES, METRIC, OTHER_SERIES } from "../../contract/index.ts";
import type { Counter, Metrics } from "../lib/metrics.ts";
import type { PlannedBackend, PlannedRoute } from "../model/plan.ts";

export interface BackendStats {
  readonly connections: Counter;
  readonly active: Counter;
  readonly bytesUp: Counter;
  readonly bytesDown: Counter;
}

const HELP = {
  connections: "Connections forwarded, by route and backend.",
  active: "Forwarded connections open now, by route and backend.",
  bytes: "Bytes forwarded, by route, backend and direction (upstream is client to endpoint).",
  dropped: "Route/backend pairs that got no series of their own because of the cap; their traffic counts under route=\"(other)\".",
} as const;

/**
 * "route\nbackend" per backend object, built once: a translation reuses the backend
 * objects of unchanged routes, and 10,000 keys per reload add up.
 */
const seriesKeys = new WeakMap<PlannedBackend, string>();
function seriesKey(route: string, backend: PlannedBackend): string {
  let key = seriesKeys.get(backend);
  if (key === undefined) seriesKeys.set(backend, (key = `${route}\n${backend.name}`));
  return key;
}

function labelsOf(route: string, backend: string): { route: string; backend: string } {
  return { route, backend };
}

export class BackendMetrics {
  /** Series by "route\nbackend" (a newline cannot occur in either name). */
  private readonly series = new Map<string, BackendStats>();
  private refused = new Set<string>();
  private readonly other: BackendStats;
  private readonly dropped: Counter;

  constructor(
    private readonly metrics: Metrics,
    private readonly cap: number = MAX_BACKEND_SERIES,
  ) {
    this.other = this.create(OTHER_SERIES, OTHER_SERIES);
    this.dropped = metrics.counter(METRIC.seriesDropped, HELP.dropped, { metric: METRIC.backendConnections });
  }

  private create(route: string, backend: string): BackendStats {
    const labels = labelsOf(route, backend);
    return {
      connections: this.metrics.counter(METRIC.backendConnections, HELP.connections, labels),
      active: this.metrics.gauge(METRIC.backendActive, HELP.active, labels),
      bytesUp: this.metrics.counter(METRIC.backendBytes, HELP.bytes, { ...labels, direction: "upstream" }),
      bytesDown: this.metrics.counter(METRIC.backendBytes, HELP.bytes, { ...labels, direction: "client" }),
    };
  }

  private remove(key: string): void {
    const [route, backend] = key.split("\n") as [string, string];
    const labels = labelsOf(route, backend);
    this.metrics.remove(METRIC.backendConnections, labels);
    this.metrics.remove(METRIC.backendActive, labels);
    this.metrics.remove(METRIC.backendBytes, { ...labels, direction: "upstream" });
    this.metrics.remove(METRIC.backendBytes, { ...labels, direction: "client" });
    this.series.delete(key);
  }

  /** The handles for every backend of a configuration, looked up by the connection per backend object. */
  forRoutes(routes: readonly PlannedRoute[]): Map<PlannedBackend, BackendStats> {
    const byBackend = new Map<PlannedBackend, BackendStats>();
    const wanted = new Set<string>();
    const refusedNow = new Set<string>();
    for (const route of routes) {
      for (const backend of route.backends) {
        // An invalid backendRef never carries a connection.
        if (byBackend.has(backend) || backend.endpoints === undefined) continue;
        const key = seriesKey(route.id, backend);
        if (wanted.has(key) || wanted.size < this.cap) {
          wanted.add(key);
          let stats = this.series.get(key);
          if (stats === undefined) this.series.set(key, (stats = this.create(route.id, backend.name)));
          byBackend.set(backend, stats);
          continue;
        }
        byBackend.set(backend, this.other);
        refusedNow.add(key);
        if (!this.refused.has(key)) this.dropped.value++;
      }
    }
    for (const key of [...this.series.keys()]) if (!wanted.has(key)) this.remove(key);
    // Remembered only while left out, so the count is of pairs, not of reloads.
    this.refused = refusedNow;
    return byBackend;
  }
}
