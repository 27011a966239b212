// Everything that runs the proxy in a cluster: namespace, identity, least-privilege
// RBAC, the Deployment, its Service, a PodDisruptionBudget and (by default) the
// GatewayClass. Built on cdk8s-plus, with settings chosen for a long-lived TCP proxy
// rather than cdk8s-plus's generic defaults.

import { ApiObject, Duration, JsonPatch, Size } from "cdk8s";
import {
  Capability,
  Cpu,
  Deployment,
  EnvFieldPaths,
  EnvValue,
  ImagePullPolicy,
  k8s,
  LabelSelector,
  Namespace,
  Probe,
  Protocol,
  ResourceFieldPaths,
  SeccompProfileType,
  Service,
  ServiceAccount,
  ServiceType,
  Volume,
  type ClusterRole,
  type ContainerResources,
} from "cdk8s-plus-33";
import { Construct } from "constructs";
import { MAX_WORKERS, workersForCpu } from "../contract/index.js";
import { DEFAULT_COURIER_IMAGE, DEFAULT_GATEWAY_CLASS_NAME } from "./constants.js";
import { addMonitoring, type CourierMonitoringOptions } from "./courierMonitoring.js";
import { createProxyRbac } from "./courierRbac.js";
import { PassthroughGateway } from "./passthroughGateway.js";
import { PassthroughGatewayClass, type PassthroughGatewayClassProps } from "./passthroughGatewayClass.js";
import { invalid } from "./validation/messages.js";
import { checkLabelName } from "./validation/names.js";
import { checkPort } from "./validation/numbers.js";

/** The pod's termination grace period: the preStop delay, then draining connections. */
const TERMINATION_GRACE_SECONDS = 60;
/** The container port of /healthz, /readyz and /metrics. */
const PROBE_PORT_NAME = "probe";

const DEFAULT_RESOURCES: ContainerResources = {
  cpu: { request: Cpu.millis(100) },
  memory: { request: Size.mebibytes(64), limit: Size.mebibytes(512) },
};

/** With a CPU limit the proxy reads it from its cgroup ("auto"); without one, the request decides. */
function defaultWorkers(resources: ContainerResources): number | "auto" {
  if (resources.cpu?.limit !== undefined) return "auto";
  return resources.cpu?.request === undefined ? 1 : (workersForCpu(resources.cpu.request.amount) ?? 1);
}

/** A Service's `externalTrafficPolicy`. */
export enum ExternalTrafficPolicy {
  /** Any node forwards to any proxy pod; the client's source IP is lost to SNAT. */
  CLUSTER = "Cluster",
  /** Only nodes with a proxy pod receive traffic; the client's source IP is kept. */
  LOCAL = "Local",
}

export interface CourierProxyProps {
  /**
   * Name of every object of the proxy (Deployment, Service, ServiceAccount, RBAC...).
   * @default "courier"
   */
  readonly name?: string;
  /**
   * Namespace the proxy runs in.
   * @default "courier-system"
   */
  readonly namespace?: string;
  /**
   * Create the namespace too. Turn off when it is managed elsewhere.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Proxy container image.
   * @default "ghcr.io/courier-dev/courier:0.1.0"
   */
  readonly image?: string;
  /**
   * Number of proxy pods. Every pod serves every listener; with more than one the
   * PodDisruptionBudget keeps one serving through node drains.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Ports of the Gateway listeners the proxy serves; each becomes a container port
   * and a Service port. Add more with addListenerPort().
   * @default [443]
   */
  readonly listenerPorts?: readonly number[];
  /**
   * Type of the proxy's Service.
   * @default ServiceType.LOAD_BALANCER
   */
  readonly serviceType?: ServiceType;
  /**
   * The Service's externalTrafficPolicy; LOCAL keeps client source IPs.
   * @default not set (Kubernetes' default, Cluster)
   */
  readonly externalTrafficPolicy?: ExternalTrafficPolicy;
  /**
   * Port of the admin endpoint (status page, /metrics, /healthz, /readyz). It listens on
   * 127.0.0.1 inside the pod, since the page lists endpoint addresses and clients:
   * `kubectl port-forward deploy/courier 9090` reaches it.
   * @default 9090
   */
  readonly adminPort?: number;
  /**
   * Port of the probe endpoint on the pod's address: /healthz and /readyz for the
   * kubelet, /metrics for Prometheus (no page, no endpoint addresses).
   * @default 9091
   */
  readonly probePort?: number;
  /**
   * How long a terminating pod keeps serving before the proxy is told to stop (a
   * `preStop` sleep), so that Services and load balancers drop it first and no new
   * connection is refused during a rollout. Then SIGTERM makes /readyz fail and open
   * connections drain. Duration.seconds(0) leaves the preStop out.
   * @default 10 seconds
   */
  readonly preStopDelay?: Duration;
  /**
   * Data-plane worker threads (`--workers`): event loops that share every listening
   * port, so one pod uses several cores. By default it follows the pod's CPU: with a
   * CPU limit, "auto" (the proxy reads the limit from its cgroup quota); without one,
   * the CPU request rounded up.
   * @default "auto" with a CPU limit, else the CPU request rounded up (1 for the default 100m)
   */
  readonly workers?: number | "auto";
  /**
   * Prometheus and Grafana objects: a PodMonitor, a PrometheusRule with Courier's
   * alerts, a ConfigMap with its Grafana dashboard. The PodMonitor and PrometheusRule
   * need the Prometheus Operator's CRDs; `scope` can put the objects in a chart of
   * their own.
   * @default none
   */
  readonly monitoring?: CourierMonitoringOptions;
  /**
   * Resource requests and limits. The defaults fit a proxy that moves bytes without
   * decrypting them: a small CPU request, no CPU limit (throttling adds latency to
   * every connection) and a memory limit with room for socket buffers.
   * @default 100m CPU and 64Mi memory requested, 512Mi memory limit
   */
  readonly resources?: ContainerResources;
  /**
   * The GatewayClass to create with the proxy, or false to create none (when it
   * is managed elsewhere).
   * @default a GatewayClass named "courier"
   */
  readonly gatewayClass?: PassthroughGatewayClassProps | false;
}

/** The Courier proxy (controller and data plane in one process) and what it needs. */
export class CourierProxy extends Construct {
  /** Name of every object of the proxy. */
  public readonly name: string;
  /** Namespace the proxy runs in. */
  public readonly namespace: string;
  /** Port of the admin endpoint (127.0.0.1 in the pod): status page, /metrics, /healthz, /readyz. */
  public readonly adminPort: number;
  /** Port of /healthz, /readyz and /metrics on the pod's address. */
  public readonly probePort: number;
  /** The proxy's Deployment. */
  public readonly deployment: Deployment;
  /** The Service clients connect to. */
  public readonly service: Service;
  /** The identity the proxy uses with the API server. */
  public readonly serviceAccount: ServiceAccount;
  /** The proxy's ClusterRole (read access and status writes). */
  public readonly clusterRole: ClusterRole;
  /** The GatewayClass created with the proxy, if any. */
  public readonly gatewayClass?: PassthroughGatewayClass;
  private readonly listenerPorts: number[] = [];
  private readonly replicas: number;
  private readonly preStopSeconds: number;
  /** The --workers the container runs with. */
  public readonly workers: number | "auto";

  public constructor(scope: Construct, id: string, props: CourierProxyProps = {}) {
    super(scope, id);
    this.name = props.name ?? "courier";
    this.namespace = props.namespace ?? "courier-system";
    this.adminPort = props.adminPort ?? 9090;
    this.probePort = props.probePort ?? 9091;
    this.replicas = props.replicas ?? 2;
    this.preStopSeconds = (props.preStopDelay ?? Duration.seconds(10)).toSeconds();
    this.workers = props.workers ?? defaultWorkers(props.resources ?? DEFAULT_RESOURCES);
    const labels = { "app.kubernetes.io/name": "courier", "app.kubernetes.io/instance": this.name };
    const metadata = { name: this.name, namespace: this.namespace, labels };

    if (props.createNamespace ?? true) {
      new Namespace(this, "Namespace", { metadata: { name: this.namespace } });
    }
    if (props.gatewayClass !== false) {
      this.gatewayClass = new PassthroughGatewayClass(this, "GatewayClass", props.gatewayClass ?? {});
    }

    this.serviceAccount = new ServiceAccount(this, "ServiceAccount", { metadata, automountToken: true });
    this.clusterRole = createProxyRbac(this, { name: this.name, namespace: this.namespace, labels, serviceAccount: this.serviceAccount });

    this.deployment = new Deployment(this, "Deployment", {
      metadata,
      replicas: this.replicas,
      // Own labels instead of cdk8s-plus's generated selector, so the selector
      // (immutable on a Deployment) never changes when the construct tree does.
      select: false,
      podMetadata: { labels, annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": String(this.probePort), "prometheus.io/path": "/metrics" } },
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: true,
      securityContext: {
        ensureNonRoot: true,
        user: 65532,
        group: 65532,
        fsGroup: 65532,
        // Lets the non-root proxy bind 443 without any capability; a namespaced,
        // "safe" sysctl since Kubernetes 1.22.
        sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
      },
      // Connections are long-lived; give them time to finish on rollout (the preStop
      // delay counts against this too).
      terminationGracePeriod: Duration.seconds(TERMINATION_GRACE_SECONDS),
      volumes: [],
    });
    this.deployment.select(LabelSelector.of({ labels }));
    // cdk8s-plus always labels pods with a hash of the construct path; nothing selects
    // on it here, and leaving it out keeps refactors from rolling every pod.
    ApiObject.of(this.deployment).addJsonPatch(JsonPatch.remove("/spec/template/metadata/labels/cdk8s.io~1metadata.addr"));
    // Prefer replicas on different nodes so one node failure leaves a proxy serving;
    // ScheduleAnyway keeps single-node clusters working.
    ApiObject.of(this.deployment).addJsonPatch(
      JsonPatch.add("/spec/template/spec/topologySpreadConstraints", [
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
      ]),
    );
    const tmp = Volume.fromEmptyDir(this, "Tmp", "tmp", { sizeLimit: Size.mebibytes(64) });
    this.deployment.addContainer({
      name: "courier",
      image: props.image ?? DEFAULT_COURIER_IMAGE,
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      // In-cluster configuration comes from the mounted ServiceAccount token.
      command: ["courier", "serve"],
      // Gateways report the addresses clients reach this proxy's Service at. The admin
      // page stays on loopback; kubelet and Prometheus use the probe port.
      args: ["--address-service", `${this.namespace}/${this.name}`, "--admin", `127.0.0.1:${this.adminPort}`, "--probe-address", `0.0.0.0:${this.probePort}`, "--workers", String(this.workers)],
      ports: [{ name: PROBE_PORT_NAME, number: this.probePort, protocol: Protocol.TCP }],
      envVariables: {
        POD_NAME: EnvValue.fromFieldRef(EnvFieldPaths.POD_NAME),
        POD_NAMESPACE: EnvValue.fromFieldRef(EnvFieldPaths.POD_NAMESPACE),
        // JavaScriptCore sizes its heaps by the machine's memory, not the container's
        // limit, and lets them grow to match: told the limit, it collects in time (at
        // 10,000 routes, peak RSS 351 instead of 609 MiB in the scale benchmark).
        BUN_JSC_forceRAMSize: EnvValue.fromResource(ResourceFieldPaths.MEMORY_LIMIT),
      },
      readiness: Probe.fromHttpGet("/readyz", { port: this.probePort, periodSeconds: Duration.seconds(5), failureThreshold: 2 }),
      liveness: Probe.fromHttpGet("/healthz", { port: this.probePort, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
      // Liveness starts once this passes: a pod slow to start on a busy node is not killed just as it comes up.
      startup: Probe.fromHttpGet("/healthz", { port: this.probePort, periodSeconds: Duration.seconds(2), failureThreshold: 60 }),
      resources: props.resources ?? DEFAULT_RESOURCES,
      securityContext: {
        ensureNonRoot: true,
        user: 65532,
        group: 65532,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: [Capability.ALL] },
        seccompProfile: { type: SeccompProfileType.RUNTIME_DEFAULT },
      },
      volumeMounts: [{ path: "/tmp", volume: tmp }],
    });

    // The image has no shell, so the wait is the kubelet's own sleep handler
    // (lifecycle.preStop.sleep, GA in Kubernetes 1.32), which cdk8s-plus does not model.
    if (this.preStopSeconds > 0) {
      ApiObject.of(this.deployment).addJsonPatch(JsonPatch.add("/spec/template/spec/containers/0/lifecycle", { preStop: { sleep: { seconds: this.preStopSeconds } } }));
    }

    this.service = new Service(this, "Service", {
      metadata,
      type: props.serviceType ?? ServiceType.LOAD_BALANCER,
      ports: [],
    });
    // Select by our own labels: cdk8s-plus would select by a label derived from the
    // construct path, which changes when the construct tree is refactored.
    for (const [key, value] of Object.entries(labels)) this.service.selectLabel(key, value);
    if (props.externalTrafficPolicy !== undefined) {
      ApiObject.of(this.service).addJsonPatch(JsonPatch.add("/spec/externalTrafficPolicy", props.externalTrafficPolicy));
    }

    new k8s.KubePodDisruptionBudget(this, "PodDisruptionBudget", {
      metadata,
      spec: {
        // One pod may go at a time; with a single replica, drains are not blocked.
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: labels },
      },
    });

    for (const port of props.listenerPorts ?? [443]) this.addListenerPort(port);
    if (props.monitoring !== undefined) {
      const memoryLimit = (props.resources ?? DEFAULT_RESOURCES).memory?.limit;
      addMonitoring(this, { name: this.name, namespace: this.namespace, podLabels: labels, metricsPortName: PROBE_PORT_NAME, memoryLimitBytes: memoryLimit === undefined ? undefined : memoryLimit.toKibibytes() * 1024 }, props.monitoring);
    }
    this.node.addValidation({ validate: () => this.validateProxy() });
  }

  /** Exposes one more Gateway listener port on the container and the Service. */
  public addListenerPort(port: number): void {
    if (this.listenerPorts.includes(port)) return;
    this.listenerPorts.push(port);
    // Reported by validation with a fix; cdk8s-plus would throw a vaguer error here.
    if (port === this.adminPort || port === this.probePort) return;
    const name = `tls-${port}`;
    this.deployment.containers[0]?.addPort({ name, number: port, protocol: Protocol.TCP });
    this.service.bind(port, { name, targetPort: port, protocol: Protocol.TCP });
  }

  private validateProxy(): string[] {
    const errors: string[] = [];
    const push = (e: string | undefined): void => {
      if (e !== undefined) errors.push(e);
    };
    push(checkLabelName("namespace", this.namespace));
    push(checkPort("adminPort", this.adminPort));
    push(checkPort("probePort", this.probePort));
    if (this.probePort === this.adminPort) errors.push(invalid("probePort", `port ${this.probePort} is also the admin port`, "pick different adminPort and probePort"));
    if (!Number.isInteger(this.preStopSeconds) || this.preStopSeconds < 0 || this.preStopSeconds >= TERMINATION_GRACE_SECONDS) {
      errors.push(invalid("preStopDelay", `${this.preStopSeconds} s does not fit the pod's ${TERMINATION_GRACE_SECONDS} s termination grace period with time left to drain`, `use whole seconds from 0 to ${TERMINATION_GRACE_SECONDS - 1}`));
    }
    if (this.workers !== "auto" && (!Number.isInteger(this.workers) || this.workers < 1 || this.workers > MAX_WORKERS)) {
      errors.push(invalid("workers", `${this.workers} is not a worker count`, `use "auto" or an integer from 1 to ${MAX_WORKERS}`));
    }
    if (!Number.isInteger(this.replicas) || this.replicas < 1) {
      errors.push(invalid("replicas", `${this.replicas} replicas would run no proxy`, "use at least 1 (2 or more to survive a node drain)"));
    }
    // A listener port that the Service does not expose receives no traffic at all.
    const className = this.gatewayClass?.name ?? DEFAULT_GATEWAY_CLASS_NAME;
    const gateways = this.node.root.node.findAll().filter((c): c is PassthroughGateway => c instanceof PassthroughGateway && c.gatewayClassName === className);
    for (const gateway of gateways) {
      for (const listener of gateway.listeners) {
        if (this.listenerPorts.includes(listener.port)) continue;
        errors.push(
          invalid(
            "listenerPorts",
            `listener ${JSON.stringify(listener.name)} of Gateway ${gateway.namespace}/${gateway.name} uses port ${listener.port}, which the proxy's Service does not expose`,
            `add ${listener.port} to listenerPorts or call addListenerPort(${listener.port})`,
          ),
        );
      }
    }
    for (const [i, port] of this.listenerPorts.entries()) {
      push(checkPort(`listenerPorts[${i}]`, port));
      if (port === this.adminPort) {
        errors.push(invalid(`listenerPorts[${i}]`, `port ${port} is also the admin port`, "pick another adminPort or listener port"));
      }
      if (port === this.probePort) {
        errors.push(invalid(`listenerPorts[${i}]`, `port ${port} is also the probe port`, "pick another probePort or listener port"));
      }
    }
    return errors;
  }
}
