// The monitoring objects dist/ ships (dist/courier-monitoring.k8s.yaml, from
// CourierProxy's `monitoring` prop) checked by Prometheus' own promtool (Debian's
// prometheus package, installed by scripts/test.sh): the alert rules' syntax, two
// alerts firing on made-up series, and every dashboard query parsed as PromQL. Every
// metric they name is one the proxy exports (contract/metrics.ts).
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { METRIC } from "../../contract/index.ts";
import { DASHBOARD_FILE } from "../../src/index.ts";

const root = resolve(import.meta.dir, "../..");
const work = mkdtempSync(join(tmpdir(), "courier-promtool-"));
type Doc = { kind: string; metadata: { name: string }; spec?: Record<string, unknown>; data?: Record<string, string> };
const docs = parseAllDocuments(readFileSync(join(root, "dist/courier-monitoring.k8s.yaml"), "utf8")).map((d) => d.toJS() as Doc);
const ruleSpec = docs.find((d) => d.kind === "PrometheusRule")!.spec as { groups: { name: string; rules: { alert: string; expr: string }[] }[] };
const dashboard = JSON.parse(docs.find((d) => d.kind === "ConfigMap")!.data![DASHBOARD_FILE]!) as { panels: { title: string; targets: { expr: string }[] }[] };

function promtool(...args: string[]): { code: number | null; output: string } {
  const run = spawnSync("promtool", args, { encoding: "utf8", cwd: work });
  if (run.error !== undefined) throw new Error(`promtool: ${run.error.message} (sh scripts/ensure.sh prometheus)`);
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

const KNOWN = new Set<string>(Object.values(METRIC));
/** Metric names in a PromQL expression (identifiers followed by a selector), histogram series as their family. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/([a-z_:][a-z0-9_:]*)\{/g)].map((m) => {
    const name = m[1]!;
    const family = name.replace(/_(bucket|sum|count)$/, "");
    return KNOWN.has(name) ? name : family;
  });
}

describe("dist/courier-monitoring.k8s.yaml", () => {
  test("holds a PodMonitor, a PrometheusRule and the dashboard ConfigMap", () => {
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(["PodMonitor/courier", "PrometheusRule/courier", "ConfigMap/courier-grafana-dashboard"]);
  });

  test("promtool check rules: the alert rules are valid", () => {
    writeFileSync(join(work, "rules.yaml"), stringify(ruleSpec));
    const result = promtool("check", "rules", "rules.yaml");
    expect(result.output).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  test("promtool test rules: alerts fire on the series the proxy writes", () => {
    const pod = 'namespace="courier-system",pod="courier-7d9f-abcde"';
    writeFileSync(
      join(work, "tests.yaml"),
      stringify({
        rule_files: ["rules.yaml"],
        evaluation_interval: "1m",
        tests: [
          {
            interval: "1m",
            input_series: [
              { series: `${METRIC.listenersUnbound}{${pod}}`, values: "0 0 1x15" },
              { series: `${METRIC.backendEndpoints}{${pod},backend="Service db/pg:5432",state="ready"}`, values: "0x10" },
              { series: `${METRIC.backendEndpoints}{${pod},backend="Service db/pg:5432",state="ejected"}`, values: "2x10" },
              { series: `${METRIC.leader}{${pod}}`, values: "1x10" },
            ],
            alert_rule_test: [
              { eval_time: "4m", alertname: "CourierListenerUnbound", exp_alerts: [] },
              {
                eval_time: "10m",
                alertname: "CourierListenerUnbound",
                exp_alerts: [{ exp_labels: { severity: "critical", namespace: "courier-system", pod: "courier-7d9f-abcde" }, exp_annotations: { summary: "Courier cannot listen on a Gateway's port", description: "courier-7d9f-abcde has 1 listening socket(s) it cannot bind (port taken, address not local); their listeners are Programmed=False and receive no traffic." } }],
              },
              {
                eval_time: "5m",
                alertname: "CourierBackendWithoutReadyEndpoint",
                exp_alerts: [
                  {
                    exp_labels: { severity: "warning", namespace: "courier-system", backend: "Service db/pg:5432" },
                    exp_annotations: { summary: "Every endpoint of a backend refuses connections", description: "All endpoints of Service db/pg:5432 are ejected (they refused or timed out a connect within the last seconds) or fail their active health checks; its share of connections goes elsewhere, is refused, or goes to endpoints failing their checks." },
                  },
                ],
              },
              { eval_time: "10m", alertname: "CourierNoStatusWriter", exp_alerts: [] },
            ],
          },
        ],
      }),
    );
    writeFileSync(join(work, "rules.yaml"), stringify(ruleSpec));
    const result = promtool("test", "rules", "tests.yaml");
    expect(result.output).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  test("every dashboard query is PromQL promtool parses, over metrics the proxy exports", () => {
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(15);
    // Grafana's $__rate_interval, as Grafana would fill it in; each query as a recording rule.
    const rules = exprs.map((expr, i) => ({ record: `courier:dashboard_query_${i}`, expr: expr.replaceAll("$__rate_interval", "2m") }));
    writeFileSync(join(work, "dashboard.yaml"), stringify({ groups: [{ name: "dashboard", rules }] }));
    const result = promtool("check", "rules", "dashboard.yaml");
    expect(result.output).toContain("SUCCESS");
    const unknown = [...exprs, ...ruleSpec.groups.flatMap((g) => g.rules.map((r) => r.expr))].flatMap(metricNames).filter((name) => !KNOWN.has(name));
    expect(unknown).toEqual([]);
  });
});
