import { expect, test } from "bun:test";
import { countAborted, countConnectFailure, countRejected, listenerCounters, setTrafficGauges } from "../../../proxy/dataplane/connectionMetrics.ts";
import { Metrics } from "../../../proxy/lib/metrics.ts";

// Dashboards and alerts depend on these names and labels: a rename must be deliberate.
test("the data plane's metrics keep their names and labels", () => {
  const metrics = new Metrics();
  const counters = listenerCounters(metrics, 5432);
  counters.accepted.value++;
  counters.routed.value++;
  counters.closed.value++;
  countRejected(metrics, 5432, "unknown-sni");
  countAborted(metrics, 5432, "idle-timeout");
  countConnectFailure(metrics, "econnrefused");
  setTrafficGauges(metrics, 2, 10, 20);
  const lines = metrics.render().split("\n").filter((line) => line !== "" && !line.startsWith("#"));
  expect(lines).toEqual([
    'courier_bytes_forwarded_closed_total{direction="upstream"} 10',
    'courier_bytes_forwarded_closed_total{direction="client"} 20',
    'courier_connections_aborted_total{port="5432",reason="idle-timeout"} 1',
    'courier_connections_accepted_total{port="5432"} 1',
    'courier_connections_closed_total{port="5432"} 1',
    "courier_connections_open 2",
    'courier_connections_rejected_total{port="5432",reason="unknown-sni"} 1',
    'courier_connections_routed_total{port="5432"} 1',
    'courier_upstream_connect_failures_total{reason="econnrefused"} 1',
  ]);
});
