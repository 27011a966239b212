// The alerts that ship with the proxy, as PrometheusRule groups. Every metric name
// comes from the contract (contract/metrics.ts), so a rename in the proxy is a rename
// here; `promtool check rules` and `promtool test rules` run on them in the tests.
import { METRIC } from "../../contract/index.js";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

export interface AlertRuleOptions {
  /** PromQL selector that picks the proxy's series, e.g. `namespace="courier-system",pod=~"courier-.*"`. */
  readonly selector: string;
  /** The container's memory limit in bytes; the memory alert fires at 85% of it. */
  readonly memoryLimitBytes?: number;
}

/** Refusals that point at the backends (not at clients that send a bad hello or an unknown name). */
const BACKEND_REJECTS = "no-ready-endpoint|connect-failed|invalid-backend|no-weighted-backend|upstream-closed-early|pg-server-refused-ssl|pg-server-timeout";

function rule(alert: string, expr: string, duration: string, severity: "critical" | "warning" | "info", summary: string, description: string): AlertRule {
  return { alert, expr, for: duration, labels: { severity }, annotations: { summary, description } };
}

export function courierAlertRules(options: AlertRuleOptions): RuleGroup[] {
  const s = options.selector;
  const rules: AlertRule[] = [
    rule(
      "CourierListenerUnbound",
      `max by (namespace, pod) (${METRIC.listenersUnbound}{${s}}) > 0`,
      "5m",
      "critical",
      "Courier cannot listen on a Gateway's port",
      "{{ $labels.pod }} has {{ $value }} listening socket(s) it cannot bind (port taken, address not local); their listeners are Programmed=False and receive no traffic.",
    ),
    rule(
      "CourierBackendRefusals",
      `sum by (namespace, pod) (rate(${METRIC.connectionsRejected}{${s},reason=~"${BACKEND_REJECTS}"}[5m])) / sum by (namespace, pod) (rate(${METRIC.connectionsAccepted}{${s}}[5m])) > 0.05`,
      "10m",
      "warning",
      "Courier refuses connections because of their backends",
      "More than 5% of the connections {{ $labels.pod }} accepts are refused for backend reasons (no ready endpoint, connect failures, invalid backendRefs): {{ $value | humanizePercentage }}.",
    ),
    rule(
      "CourierBackendWithoutReadyEndpoint",
      `sum by (namespace, backend) (${METRIC.backendEndpoints}{${s},state="ready"}) == 0 and sum by (namespace, backend) (${METRIC.backendEndpoints}{${s}}) > 0`,
      "2m",
      "warning",
      "Every endpoint of a backend refuses connections",
      "All endpoints of {{ $labels.backend }} are ejected (they refused or timed out a connect within the last seconds) or fail their active health checks; its share of connections goes elsewhere, is refused, or goes to endpoints failing their checks.",
    ),
    rule(
      "CourierUpstreamConnectFailures",
      `sum by (namespace, pod) (rate(${METRIC.upstreamConnectFailures}{${s}}[5m])) > 1`,
      "10m",
      "warning",
      "Courier's connects to endpoints fail",
      "{{ $labels.pod }} sees {{ $value | humanize }} failed connects per second to backend endpoints.",
    ),
    rule(
      "CourierConfigurationErrors",
      `increase(${METRIC.configErrors}{${s}}[15m]) > 0`,
      "0m",
      "warning",
      "Courier found errors in its configuration",
      "{{ $labels.pod }} found errors loading its configuration; the last good configuration keeps serving. `kubectl logs` shows them, `courier check` names file, object and field.",
    ),
    rule(
      "CourierNoStatusWriter",
      `sum by (namespace) (${METRIC.leader}{${s}}) < 1`,
      "5m",
      "warning",
      "No Courier replica writes Gateway API status",
      "No replica in {{ $labels.namespace }} holds the status-writer Lease: routing continues, but Gateway and TLSRoute status goes stale.",
    ),
    rule(
      "CourierEventLoopLag",
      `max by (namespace, pod) (${METRIC.eventLoopLagP99}{${s}}) > 0.1`,
      "10m",
      "warning",
      "Courier's event loop is slow",
      "The 99th percentile event-loop delay of {{ $labels.pod }} is {{ $value | humanizeDuration }}: every connection it forwards waits as long.",
    ),
    rule(
      "CourierFileDescriptorsNearLimit",
      `max by (namespace, pod) (${METRIC.processOpenFds}{${s}} / ${METRIC.processMaxFds}{${s}}) > 0.8`,
      "10m",
      "warning",
      "Courier is close to its open-file limit",
      "{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its file descriptors (two per proxied connection).",
    ),
    rule(
      "CourierAccessLogDropping",
      `rate(${METRIC.accessLogDropped}{${s}}[5m]) > 0`,
      "15m",
      "info",
      "Courier's access log is rate limited",
      "{{ $labels.pod }} leaves access-log records out (--access-log-rate): a flood of connections, or a rate set too low.",
    ),
  ];
  if (options.memoryLimitBytes !== undefined) {
    rules.push(
      rule(
        "CourierMemoryNearLimit",
        `max by (namespace, pod) (${METRIC.processResidentMemory}{${s}}) > ${Math.round(options.memoryLimitBytes * 0.85)}`,
        "10m",
        "warning",
        "Courier's memory is close to its limit",
        "{{ $labels.pod }} uses {{ $value | humanize1024 }}B, over 85% of its memory limit; at the limit the pod is killed and its connections cut.",
      ),
    );
  }
  return [{ name: "courier", rules }];
}
