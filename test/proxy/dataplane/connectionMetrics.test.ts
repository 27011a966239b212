import { describe, expect, test } from "bun:test";
import { METRIC, OTHER_SERIES } from "../../../contract/index.ts";
import { BackendMetrics } from "../../../proxy/dataplane/backendMetrics.ts";
import { countConnectFailure, listenerMetrics } from "../../../proxy/dataplane/connectionMetrics.ts";
import { Metrics } from "../../../proxy/lib/metrics.ts";
import type { PlannedRoute } from "../../../proxy/model/plan.ts";

const samples = async (metrics: Metrics): Promise<string[]> => (await metrics.render()).split("\n").filter((line) => line !== "" && !line.startsWith("#"));

function route(id: string, backends: readonly string[]): PlannedRoute {
  return { id, settings: { fallback: false }, backends: backends.map((name) => ({ name, weight: 1, endpoints: [] })) };
}

describe("data-plane metrics", () => {
  // Dashboards and alerts depend on these names and labels: a rename must be deliberate.
  test("listener series keep their names and labels", async () => {
    const metrics = new Metrics();
    const listener = listenerMetrics(metrics, "0.0.0.0:5432");
    listener.accepted.value++;
    listener.active.value++;
    listener.routed.value++;
    listener.closedBy.upstream.value++;
    listener.rejected("unknown-sni").value++;
    listener.aborted("idle-timeout").value++;
    listener.bytesUp.value += 10;
    listener.bytesDown.value += 20;
    countConnectFailure(metrics, "econnrefused");
    const lines = await samples(metrics);
    for (const expected of [
      'courier_connections_accepted_total{listener="0.0.0.0:5432"} 1',
      'courier_connections_active{listener="0.0.0.0:5432"} 1',
      'courier_connections_routed_total{listener="0.0.0.0:5432"} 1',
      'courier_connections_closed_total{closed_by="upstream",listener="0.0.0.0:5432"} 1',
      'courier_connections_closed_total{closed_by="client",listener="0.0.0.0:5432"} 0',
      'courier_connections_rejected_total{listener="0.0.0.0:5432",reason="unknown-sni"} 1',
      'courier_connections_aborted_total{listener="0.0.0.0:5432",reason="idle-timeout"} 1',
      'courier_forwarded_bytes_total{direction="upstream",listener="0.0.0.0:5432"} 10',
      'courier_forwarded_bytes_total{direction="client",listener="0.0.0.0:5432"} 20',
      'courier_upstream_connect_failures_total{reason="econnrefused"} 1',
    ]) {
      expect(lines).toContain(expected);
    }
    // Counters are typed counter, the open-connections series gauge (the old closed-bytes total was a gauge).
    const text = await metrics.render();
    expect(text).toContain(`# TYPE ${METRIC.forwardedBytes} counter`);
    expect(text).toContain(`# TYPE ${METRIC.connectionsActive} gauge`);
  });

  test("histograms: cumulative buckets in seconds, +Inf, _sum and _count", async () => {
    const metrics = new Metrics();
    const listener = listenerMetrics(metrics, "127.0.0.1:443");
    listener.helloWait.observe(0.002);
    listener.helloWait.observe(0.002);
    listener.helloWait.observe(30);
    const text = await metrics.render();
    expect(text).toContain(`# TYPE ${METRIC.helloWait} histogram`);
    const lines = text.split("\n");
    expect(lines).toContain('courier_hello_wait_seconds_bucket{listener="127.0.0.1:443",le="0.001"} 0');
    expect(lines).toContain('courier_hello_wait_seconds_bucket{listener="127.0.0.1:443",le="0.0025"} 2');
    expect(lines).toContain('courier_hello_wait_seconds_bucket{listener="127.0.0.1:443",le="10"} 2');
    expect(lines).toContain('courier_hello_wait_seconds_bucket{listener="127.0.0.1:443",le="+Inf"} 3');
    expect(lines).toContain('courier_hello_wait_seconds_sum{listener="127.0.0.1:443"} 30.004');
    expect(lines).toContain('courier_hello_wait_seconds_count{listener="127.0.0.1:443"} 3');
  });

  test("label values are escaped as the exposition format says", async () => {
    const metrics = new Metrics();
    metrics.inc("courier_test_total", "A test.", { route: 'a"b\\c\nd' });
    expect(await samples(metrics)).toContain('courier_test_total{route="a\\"b\\\\c\\nd"} 1');
  });

  test("route/backend series: kept across reloads, capped, the rest under (other) and counted as dropped", async () => {
    const metrics = new Metrics();
    const backends = new BackendMetrics(metrics, 2);
    const first = [route("default/a", ["Service default/a:443"]), route("default/b", ["Service default/b:443", "Service default/c:443"])];
    const stats = backends.forRoutes(first);
    stats.get(first[0]!.backends[0]!)!.connections.value += 3;
    const overflow = stats.get(first[1]!.backends[1]!)!;
    overflow.connections.value++;
    let lines = await samples(metrics);
    expect(lines).toContain('courier_backend_connections_total{backend="Service default/a:443",route="default/a"} 3');
    expect(lines).toContain(`courier_backend_connections_total{backend="${OTHER_SERIES}",route="${OTHER_SERIES}"} 1`);
    expect(lines).toContain(`courier_metric_series_dropped_total{metric="${METRIC.backendConnections}"} 1`);

    // A reload with the same routes (new objects) keeps the counts and does not count the drop again.
    const again = [route("default/a", ["Service default/a:443"]), route("default/b", ["Service default/b:443", "Service default/c:443"])];
    const kept = backends.forRoutes(again);
    expect(kept.get(again[0]!.backends[0]!)!.connections.value).toBe(3);
    lines = await samples(metrics);
    expect(lines).toContain(`courier_metric_series_dropped_total{metric="${METRIC.backendConnections}"} 1`);

    // A route that leaves the configuration loses its series.
    backends.forRoutes([route("default/b", ["Service default/b:443"])]);
    lines = await samples(metrics);
    expect(lines.some((line) => line.includes('route="default/a"'))).toBe(false);
    expect(lines).toContain('courier_backend_connections_total{backend="Service default/b:443",route="default/b"} 0');
  });
});
