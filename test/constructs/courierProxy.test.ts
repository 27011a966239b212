import { describe, expect, test } from "bun:test";
import { Cpu } from "cdk8s-plus-33";
import { ServiceType } from "cdk8s-plus-33";
import { Chart, Duration, Size, Testing } from "cdk8s";
import { CourierProxy, ExternalTrafficPolicy, PassthroughGateway, PassthroughGatewayClass } from "../../src/index.ts";
import { find, synth, synthErrors, type Manifest } from "./helpers.ts";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
type Container = Record<string, unknown> & { securityContext: Record<string, unknown>; ports: { containerPort: number; name: string; protocol: string }[] };
type PodSpec = Record<string, unknown> & { containers: Container[]; securityContext: Record<string, unknown> };

function podSpec(objects: Manifest[]): PodSpec {
  return (find(objects, "Deployment", "courier").spec as { template: { spec: PodSpec } }).template.spec;
}

/** Flattens RBAC rules to "group/resource:verb" strings, sorted, for exact comparison. */
function grants(rules: Rule[]): string[] {
  return rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)))).sort();
}

describe("CourierProxy", () => {
  const objects = synth((chart) => void new CourierProxy(chart, "courier"));

  test("creates the namespace, GatewayClass, identity, RBAC, workload, Service and PDB with stable names", () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`)).toEqual([
      "Namespace//courier-system",
      "GatewayClass//courier",
      "ServiceAccount/courier-system/courier",
      "ClusterRole//courier",
      "ClusterRoleBinding//courier",
      "Role/courier-system/courier-leader-election",
      "RoleBinding/courier-system/courier-leader-election",
      "Deployment/courier-system/courier",
      "Service/courier-system/courier",
      "PodDisruptionBudget/courier-system/courier",
    ]);
    expect(find(objects, "GatewayClass").spec).toMatchObject({ controllerName: "courier.dev/gateway-controller" });
  });

  test("the ClusterRole reads what the proxy watches and writes only status subresources", () => {
    const rules = (find(objects, "ClusterRole").rules as Rule[]);
    const read = (group: string, resource: string): string[] => ["get", "list", "watch"].map((v) => `${group}/${resource}:${v}`);
    expect(grants(rules)).toEqual(
      [
        ...read("gateway.networking.k8s.io", "gatewayclasses"),
        ...read("gateway.networking.k8s.io", "gateways"),
        ...read("gateway.networking.k8s.io", "tlsroutes"),
        ...read("gateway.networking.k8s.io", "referencegrants"),
        ...read("", "services"),
        ...read("", "namespaces"),
        ...read("discovery.k8s.io", "endpointslices"),
        ...read("multicluster.x-k8s.io", "serviceimports"),
        "apiextensions.k8s.io/customresourcedefinitions:get",
        "gateway.networking.k8s.io/gatewayclasses/status:update",
        "gateway.networking.k8s.io/gatewayclasses/status:patch",
        "gateway.networking.k8s.io/gateways/status:update",
        "gateway.networking.k8s.io/gateways/status:patch",
        "gateway.networking.k8s.io/tlsroutes/status:update",
        "gateway.networking.k8s.io/tlsroutes/status:patch",
        "/events:create",
        "/events:patch",
        "events.k8s.io/events:create",
        "events.k8s.io/events:patch",
      ].sort(),
    );
    // The CRD read is limited to the one whose annotation the proxy needs.
    expect(rules.find((r) => r.apiGroups.includes("apiextensions.k8s.io"))).toMatchObject({ resourceNames: ["gatewayclasses.gateway.networking.k8s.io"] });
    expect(grants(find(objects, "Role").rules as Rule[])).toEqual(["coordination.k8s.io/leases:create", "coordination.k8s.io/leases:get", "coordination.k8s.io/leases:update"]);
    expect(find(objects, "ClusterRoleBinding").subjects).toEqual([{ apiGroup: "", kind: "ServiceAccount", name: "courier", namespace: "courier-system" }]);
    expect(find(objects, "RoleBinding").subjects).toEqual([{ apiGroup: "", kind: "ServiceAccount", name: "courier", namespace: "courier-system" }]);
  });

  test("the pod runs `courier serve` non-root on a read-only filesystem with its token mounted", () => {
    const spec = podSpec(objects);
    const container = spec.containers[0]!;
    expect(container.command).toEqual(["courier", "serve"]);
    expect(container.image).toBe("ghcr.io/courier-dev/courier:0.1.0");
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(spec.serviceAccountName).toBe("courier");
    expect(find(objects, "ServiceAccount").automountServiceAccountToken).toBe(true);
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }] });
    expect(container.volumeMounts).toEqual([{ mountPath: "/tmp", name: "tmp" }]);
    expect(spec.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { "app.kubernetes.io/name": "courier", "app.kubernetes.io/instance": "courier" } } },
    ]);
  });

  test("probes and metrics on the probe port, the admin page on loopback; a preStop wait; requests sized for a proxy", () => {
    const container = podSpec(objects).containers[0]!;
    expect(container.args).toEqual(["--address-service", "courier-system/courier", "--admin", "127.0.0.1:9090", "--probe-address", "0.0.0.0:9091", "--workers", "1"]);
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: "/readyz", port: 9091 } });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: "/healthz", port: 9091 } });
    // Liveness waits for start-up: a pod slow to start on a busy node is not killed as it comes up.
    expect(container.startupProbe).toMatchObject({ httpGet: { path: "/healthz", port: 9091 }, periodSeconds: 2, failureThreshold: 60 });
    // JavaScriptCore sizes its heaps by the container's memory limit, not the node's memory.
    expect(container.env).toContainEqual({ name: "BUN_JSC_forceRAMSize", valueFrom: { resourceFieldRef: { resource: "limits.memory" } } });
    expect(container.ports).toEqual([
      { containerPort: 9091, name: "probe", protocol: "TCP" },
      { containerPort: 443, name: "tls-443", protocol: "TCP" },
    ]);
    // No shell in the image: the kubelet's own sleep handler, within the grace period.
    expect(container.lifecycle).toEqual({ preStop: { sleep: { seconds: 10 } } });
    expect(podSpec(objects).terminationGracePeriodSeconds).toBe(60);
    expect(container.resources).toEqual({ requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "512Mi" } });
    const template = (find(objects, "Deployment").spec as { template: { metadata: { annotations: Record<string, string>; labels: Record<string, string> } } }).template;
    expect(template.metadata.annotations).toEqual({ "prometheus.io/scrape": "true", "prometheus.io/port": "9091", "prometheus.io/path": "/metrics" });
    expect(template.metadata.labels).toEqual({ "app.kubernetes.io/name": "courier", "app.kubernetes.io/instance": "courier" });
  });

  test("the Service is a LoadBalancer selecting the pods by stable labels; the PDB keeps pods up", () => {
    const service = find(objects, "Service").spec as Record<string, unknown>;
    expect(service.type).toBe("LoadBalancer");
    expect(service.selector).toEqual({ "app.kubernetes.io/name": "courier", "app.kubernetes.io/instance": "courier" });
    expect(service.ports).toEqual([{ name: "tls-443", port: 443, protocol: "TCP", targetPort: 443 }]);
    expect(service).not.toHaveProperty("externalTrafficPolicy");
    expect(find(objects, "Deployment").spec).toMatchObject({ replicas: 2, selector: { matchLabels: { "app.kubernetes.io/name": "courier", "app.kubernetes.io/instance": "courier" } } });
    expect(find(objects, "PodDisruptionBudget").spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "courier", "app.kubernetes.io/instance": "courier" } } });
  });

  test("options: image, replicas, ports, Service type, externalTrafficPolicy, resources, no namespace, no class", () => {
    const custom = synth((chart) => {
      const proxy = new CourierProxy(chart, "p", {
        name: "edge",
        namespace: "edge-system",
        createNamespace: false,
        gatewayClass: false,
        image: "registry.local/courier:dev",
        replicas: 3,
        listenerPorts: [443, 5432],
        serviceType: ServiceType.NODE_PORT,
        externalTrafficPolicy: ExternalTrafficPolicy.LOCAL,
        adminPort: 9901,
        probePort: 9902,
        preStopDelay: Duration.seconds(0),
        resources: { cpu: { request: Cpu.millis(250) }, memory: { request: Size.mebibytes(128) } },
      });
      proxy.addListenerPort(6379);
      proxy.addListenerPort(443);
    });
    expect(custom.some((o) => o.kind === "Namespace" || o.kind === "GatewayClass")).toBe(false);
    const deployment = find(custom, "Deployment", "edge");
    expect(deployment.metadata.namespace).toBe("edge-system");
    expect(deployment.spec).toMatchObject({ replicas: 3 });
    const container = (deployment.spec as { template: { spec: PodSpec } }).template.spec.containers[0]!;
    expect(container.image).toBe("registry.local/courier:dev");
    expect(container.resources).toEqual({ requests: { cpu: "250m", memory: "128Mi" } });
    expect(container.ports.map((p) => p.containerPort)).toEqual([9902, 443, 5432, 6379]);
    expect(container.readinessProbe).toMatchObject({ httpGet: { port: 9902 } });
    expect(container.args).toContain("127.0.0.1:9901");
    // No CPU limit: the 250m request rounded up.
    expect(container.args).toEqual(expect.arrayContaining(["--workers", "1"]));
    expect(container).not.toHaveProperty("lifecycle");
    const service = find(custom, "Service", "edge").spec as Record<string, unknown>;
    expect(service.type).toBe("NodePort");
    expect(service.externalTrafficPolicy).toBe("Local");
    expect((service.ports as { port: number }[]).map((p) => p.port)).toEqual([443, 5432, 6379]);
  });

  test("workers follow the pod's CPU: the cgroup quota with a limit, the request rounded up without", () => {
    const workersOf = (props: ConstructorParameters<typeof CourierProxy>[2]): string | undefined => {
      const args = podSpec(synth((chart) => void new CourierProxy(chart, "p", props))).containers[0]!.args as string[];
      return args[args.indexOf("--workers") + 1];
    };
    expect(workersOf({})).toBe("1");
    expect(workersOf({ resources: { cpu: { request: Cpu.millis(2500) } } })).toBe("3");
    expect(workersOf({ resources: { cpu: { request: Cpu.units(1), limit: Cpu.units(4) } } })).toBe("auto");
    expect(workersOf({ workers: 2 })).toBe("2");
    expect(synthErrors((chart) => void new CourierProxy(chart, "p", { workers: 0 }))).toContain('[test/p] workers: 0 is not a worker count. Fix: use "auto" or an integer from 1 to 64');
  });

  test("validation: replicas, ports, admin and probe port clashes, preStop delay, namespace", () => {
    const errors = synthErrors((chart) => void new CourierProxy(chart, "p", { replicas: 0, listenerPorts: [443, 0, 9090, 9091], namespace: "Courier", preStopDelay: Duration.seconds(60) }));
    expect(errors).toContain("[test/p] listenerPorts[3]: port 9091 is also the probe port. Fix: pick another probePort or listener port");
    expect(errors).toContain("[test/p] preStopDelay: 60 s does not fit the pod's 60 s termination grace period with time left to drain. Fix: use whole seconds from 0 to 59");
    expect(synthErrors((chart) => void new CourierProxy(chart, "p", { adminPort: 9095, probePort: 9095 }))).toContain("[test/p] probePort: port 9095 is also the admin port. Fix: pick different adminPort and probePort");
    expect(errors).toContain("[test/p] replicas: 0 replicas would run no proxy. Fix: use at least 1 (2 or more to survive a node drain)");
    expect(errors).toContain("[test/p] listenerPorts[1]: port 0 is outside 1..65535");
    expect(errors).toContain("[test/p] listenerPorts[2]: port 9090 is also the admin port. Fix: pick another adminPort or listener port");
    expect(errors).toContain('[test/p] namespace: "Courier" is not a valid RFC 1123 label');
    expect(synthErrors((chart) => void new CourierProxy(chart, "p"))).toBe("");
  });
});

describe("CourierProxy and the Gateways of the app", () => {
  test("every listener port of a Gateway of its class must be exposed", () => {
    const build = (ports: number[]) => (chart: Chart) => {
      new CourierProxy(chart, "p", { listenerPorts: ports });
      new PassthroughGateway(chart, "gw", { namespace: "infra", listeners: [{ name: "tls", port: 443 }, { name: "pg", port: 5432 }] });
      new PassthroughGateway(chart, "other", { gatewayClass: PassthroughGatewayClass.fromGatewayClassName("someone-else"), listeners: [{ port: 9443 }] });
    };
    expect(synthErrors(build([443]))).toContain(
      '[test/p] listenerPorts: listener "pg" of Gateway infra/gw uses port 5432, which the proxy\'s Service does not expose. Fix: add 5432 to listenerPorts or call addListenerPort(5432)',
    );
    expect(synthErrors(build([443, 5432]))).toBe("");
  });
});

describe("CourierProxy monitoring", () => {
  test("off by default; on: a PodMonitor on the probe port, a PrometheusRule, a Grafana dashboard ConfigMap", () => {
    const plain = synth((chart) => void new CourierProxy(chart, "courier"));
    expect(plain.some((o) => ["PodMonitor", "PrometheusRule", "ConfigMap"].includes(o.kind))).toBe(false);
    const objects = synth((chart) => void new CourierProxy(chart, "courier", { monitoring: { labels: { release: "kube-prometheus-stack" } } }));
    const podMonitor = find(objects, "PodMonitor", "courier");
    expect(podMonitor.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(podMonitor.metadata.labels).toMatchObject({ release: "kube-prometheus-stack" });
    expect(podMonitor.spec).toEqual({
      selector: { matchLabels: { "app.kubernetes.io/name": "courier", "app.kubernetes.io/instance": "courier" } },
      namespaceSelector: { matchNames: ["courier-system"] },
      podMetricsEndpoints: [{ port: "probe", path: "/metrics", interval: "30s" }],
    });
    const rules = (find(objects, "PrometheusRule", "courier").spec as { groups: { rules: { alert: string; expr: string }[] }[] }).groups[0]!.rules;
    expect(rules.map((r) => r.alert)).toContain("CourierListenerUnbound");
    // The memory alert follows the container's limit: 85% of 512Mi.
    expect(rules.find((r) => r.alert === "CourierMemoryNearLimit")!.expr).toContain(`> ${Math.round(512 * 1024 * 1024 * 0.85)}`);
    const dashboard = find(objects, "ConfigMap", "courier-grafana-dashboard");
    expect(dashboard.metadata.labels).toMatchObject({ grafana_dashboard: "1" });
    const json = JSON.parse((dashboard.data as Record<string, string>)["courier-dashboard.json"]!) as { uid: string; panels: unknown[] };
    expect(json.uid).toBe("courier-courier-system-courier");
    expect(json.panels.length).toBeGreaterThan(10);
  });

  test("each object can be left out, and all of them put in a chart of their own", () => {
    const only = synth((chart) => void new CourierProxy(chart, "courier", { monitoring: { podMonitor: false, grafanaDashboard: false } }));
    expect(only.filter((o) => ["PodMonitor", "PrometheusRule", "ConfigMap"].includes(o.kind)).map((o) => o.kind)).toEqual(["PrometheusRule"]);
    const app = Testing.app();
    const proxyChart = new Chart(app, "proxy");
    const monitoringChart = new Chart(app, "monitoring");
    new CourierProxy(proxyChart, "courier", { monitoring: { scope: monitoringChart } });
    expect((monitoringChart.toJson() as Manifest[]).map((o) => o.kind)).toEqual(["PodMonitor", "PrometheusRule", "ConfigMap"]);
    expect((proxyChart.toJson() as Manifest[]).some((o) => o.kind === "PrometheusRule")).toBe(false);
  });
});
