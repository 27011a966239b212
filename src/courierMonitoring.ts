// Monitoring objects for a CourierProxy: a PodMonitor that has the Prometheus Operator
// scrape the pods' probe port, a PrometheusRule with the alerts of
// monitoring/alertRules.ts, and a ConfigMap holding the Grafana dashboard of
// monitoring/dashboard.ts, labelled for Grafana's dashboard sidecar.
import { ApiObject } from "cdk8s";
import { ConfigMap } from "cdk8s-plus-33";
import type { Construct } from "constructs";
import { courierAlertRules } from "./monitoring/alertRules.js";
import { courierDashboard } from "./monitoring/dashboard.js";

/** What CourierProxy's `monitoring` prop creates, and where. */
export interface CourierMonitoringOptions {
  /**
   * The construct the objects are created in: for example a chart of their own, so that
   * they are applied only where the Prometheus Operator's CRDs (PrometheusRule,
   * PodMonitor) are installed.
   * @default the CourierProxy (its chart)
   */
  readonly scope?: Construct;
  /**
   * Create a PrometheusRule (monitoring.coreos.com/v1) with Courier's alerts.
   * @default true
   */
  readonly prometheusRule?: boolean;
  /**
   * Create a PodMonitor (monitoring.coreos.com/v1) that scrapes /metrics on the pods' probe port.
   * @default true
   */
  readonly podMonitor?: boolean;
  /**
   * Create a ConfigMap with the Grafana dashboard, labelled `grafana_dashboard: "1"` for
   * Grafana's dashboard sidecar.
   * @default true
   */
  readonly grafanaDashboard?: boolean;
  /**
   * Labels added to the PrometheusRule and PodMonitor, e.g. the `release` label a
   * Prometheus' ruleSelector and podMonitorSelector ask for.
   * @default none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** What the objects need to know about the proxy. */
export interface MonitoredProxy {
  readonly name: string;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  /** Name of the container port that serves /metrics. */
  readonly metricsPortName: string;
  readonly memoryLimitBytes: number | undefined;
}

/** File name of the dashboard inside its ConfigMap. */
export const DASHBOARD_FILE = "courier-dashboard.json";

export function addMonitoring(defaultScope: Construct, proxy: MonitoredProxy, options: CourierMonitoringOptions): void {
  const scope = options.scope ?? defaultScope;
  const labels = { "app.kubernetes.io/name": "courier", "app.kubernetes.io/instance": proxy.name, ...options.labels };
  const metadata = { name: proxy.name, namespace: proxy.namespace, labels };
  // The namespace and pod labels are what both a PodMonitor and annotation-based
  // scraping (prometheus.io/scrape) attach to every series.
  const selector = `namespace="${proxy.namespace}",pod=~"${proxy.name}-.+"`;
  if (options.podMonitor ?? true) {
    new ApiObject(scope, "PodMonitor", {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata,
      spec: {
        selector: { matchLabels: { ...proxy.podLabels } },
        namespaceSelector: { matchNames: [proxy.namespace] },
        podMetricsEndpoints: [{ port: proxy.metricsPortName, path: "/metrics", interval: "30s" }],
      },
    });
  }
  if (options.prometheusRule ?? true) {
    new ApiObject(scope, "PrometheusRule", {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata,
      spec: { groups: courierAlertRules({ selector, ...(proxy.memoryLimitBytes === undefined ? {} : { memoryLimitBytes: proxy.memoryLimitBytes }) }) },
    });
  }
  if (options.grafanaDashboard ?? true) {
    const dashboard = courierDashboard({ selector: `namespace="${proxy.namespace}"`, uid: `courier-${proxy.namespace}-${proxy.name}`.slice(0, 40), title: `Courier (${proxy.namespace}/${proxy.name})` });
    new ConfigMap(scope, "GrafanaDashboard", {
      metadata: { name: `${proxy.name}-grafana-dashboard`, namespace: proxy.namespace, labels: { "app.kubernetes.io/name": "courier", "app.kubernetes.io/instance": proxy.name, grafana_dashboard: "1" } },
      data: { [DASHBOARD_FILE]: `${JSON.stringify(dashboard, null, 2)}\n` },
    });
  }
}
