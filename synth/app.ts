// Defines one chart per seed scenario; each becomes dist/<chart id>.k8s.yaml.
// Every scenario uses hostnames of its own: the proxy's file mode loads all of dist/
// into one SNI table per port.
import { Chart, type App } from "cdk8s";
import { BasicChart } from "./charts/basic.js";
import { CanaryChart } from "./charts/canary.js";
import { CourierProxyChart } from "./charts/courierProxy.js";
import { CrossNamespaceChart } from "./charts/crossNamespace.js";
import { CustomProtocolChart } from "./charts/customProtocol.js";
import { FallbackChart } from "./charts/fallback.js";
import { MultiClusterChart } from "./charts/multiCluster.js";
import { MultiHostnameChart } from "./charts/multiHostname.js";
import { PostgresChart } from "./charts/postgres.js";
import { RedisChart } from "./charts/redis.js";

/** The chart ids, which are also the file names in dist/. */
export const SCENARIOS = [
  "courier-monitoring",
  "courier-proxy",
  "basic",
  "multi-hostname",
  "postgres",
  "canary",
  "cross-namespace",
  "redis",
  "fallback",
  "custom-protocol",
  "multi-cluster",
] as const;

export function defineScenarios(app: App): void {
  // The proxy's PodMonitor, PrometheusRule and Grafana dashboard, in a file of their
  // own: they need the Prometheus Operator's CRDs, which a cluster may not have.
  const monitoring = new Chart(app, "courier-monitoring");
  new CourierProxyChart(app, "courier-proxy", monitoring);
  new BasicChart(app, "basic");
  new MultiHostnameChart(app, "multi-hostname");
  new PostgresChart(app, "postgres");
  new CanaryChart(app, "canary");
  new CrossNamespaceChart(app, "cross-namespace");
  new RedisChart(app, "redis");
  new FallbackChart(app, "fallback");
  new CustomProtocolChart(app, "custom-protocol");
  new MultiClusterChart(app, "multi-cluster");
}
