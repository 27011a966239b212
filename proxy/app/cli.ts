// Command-line parsing for `courier serve`. Pure: argv in, options or an error out.
import { controllerNameProblem, COURIER_CONTROLLER_NAME, DEFAULT_LIMITS, formatDuration, MAX_HELLO_BYTES_LIMIT, MIN_HELLO_BYTES, parseDuration, type Limits } from "../../contract/index.ts";
import { parseOptions, stringValue, type OptionSpec } from "./args.ts";
import { parseAddressRange, type AddressRange } from "./addressRange.ts";
import { parseWorkers, type WorkersSetting } from "./workerCount.ts";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "../lib/log.ts";
import { DEFAULT_CONFIRM_MS } from "../sources/file/fileSource.ts";
import { DEFAULT_FILE_SIZE_LIMITS, type FileSizeLimits } from "../sources/file/sizeLimits.ts";

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ServeOptions {
  /** File mode: directory of Gateway API manifests. */
  readonly manifests: string;
  /** File mode: the local endpoints file (optional: routes then have no endpoints). */
  readonly endpoints: string | undefined;
  /** --kubeconfig as given: a path, or "in-cluster"; undefined = mode.ts looks for one (KUBECONFIG, ~/.kube/config, a pod). */
  readonly kubeconfig: string | undefined;
  /** --context: the kubeconfig context to use; undefined = the (merged) current-context. */
  readonly context: string | undefined;
  /** Whether --manifests was given: file mode then, whatever kubeconfig exists (see mode.ts). */
  readonly manifestsGiven: boolean;
  /** Cluster mode: what Gateways report in status.addresses (e.g. the load balancer's IP). */
  readonly gatewayAddresses: readonly string[];
  /** Cluster mode: give each Gateway without spec.addresses its own address from this range (bind and status). */
  readonly gatewayAddressRange: AddressRange | undefined;
  /** Cluster mode: the proxy's own Service, whose load-balancer or cluster addresses Gateways report. */
  readonly addressService: { readonly namespace: string; readonly name: string } | undefined;
  /** Cluster mode: namespace of the leader-election Lease (default: the pod's or the context's). */
  readonly leaseNamespace: string | undefined;
  /** The GatewayClass controllerName this Courier serves (and writes status as); default COURIER_CONTROLLER_NAME. */
  readonly controllerName: string;
  readonly portOffset: number;
  /** Bind address for Gateways that name none (default: "::" where the host has IPv6, see wildcardAddress.ts). */
  readonly listenAddress: string;
  /** The status page, /metrics, /healthz and /readyz; undefined = off. */
  readonly admin: HostPort | undefined;
  /** A file holding the bearer token the admin endpoint requires; undefined = none. */
  readonly adminTokenFile: string | undefined;
  /** /healthz, /readyz and /metrics for kubelet and Prometheus; undefined = off. */
  readonly probe: HostPort | undefined;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** Access-log records per second; 0 = unlimited. */
  readonly accessLogRate: number;
  readonly limits: Limits;
  /** Data-plane event loops (threads sharing the listening ports), or "auto": the CPUs the container may use. */
  readonly workers: WorkersSetting;
  /** File mode: largest manifest or endpoints file, and largest manifests directory, read. */
  readonly sizeLimits: FileSizeLimits;
  /** File mode: how long a change that removes every listener or empties a file must read the same before it applies. */
  readonly confirmMs: number;
}

/** Access-log records per second by default: far above a normal gateway's rate, far below a flood's. */
export const DEFAULT_ACCESS_LOG_RATE = 1_000;
const DEFAULT_ADMIN: HostPort = { host: "127.0.0.1", port: 9090 };
/** In a pod: kubelet and Prometheus reach the pod's IP, so the probe port listens on every address. */
const POD_PROBE: HostPort = { host: "0.0.0.0", port: 9091 };

export const SERVE_USAGE = `Usage:
  courier serve --manifests DIR [--endpoints FILE] [options]     file mode
  courier serve [--kubeconfig FILE|in-cluster] [--context NAME] [options]   cluster mode
  Without --manifests: cluster mode with --kubeconfig, else KUBECONFIG (files merged),
  else ~/.kube/config, else a pod's service account; file mode on dist/ if none exists.
  The first log line says which mode and why.

Options:
  --manifests DIR          Gateway/TLSRoute manifests to serve (default: dist)
  --endpoints FILE         Service -> host:port list for file mode (YAML)
  --kubeconfig FILE        watch a cluster and write Gateway API status ("in-cluster" in a pod)
  --context NAME           cluster mode: the kubeconfig context to use (default: current-context)
  --gateway-address ADDR   cluster mode: address(es) Gateways report, comma-separated
  --address-service NAMESPACE/NAME
                           cluster mode: Gateways report the addresses of this Service
                           (its load-balancer ingress, else its cluster IPs); the
                           Deployment that CourierProxy writes names its own Service
  --gateway-addresses-from FIRST-LAST|ADDR/LEN
                           each Gateway without spec.addresses binds its own address from
                           this IPv4 or IPv6 range and reports it (e.g. 127.0.0.10-127.0.0.250,
                           fd00:10::/112; a prefix leaves out its network and broadcast)
  --lease-namespace NS     cluster mode: namespace of the leader-election Lease
  --controller-name NAME   serve only GatewayClasses with this controllerName and write
                           status as it (default ${COURIER_CONTROLLER_NAME}); a second,
                           independent Courier in one cluster takes another name
  --port-offset N          add N to every listener port (serve 443 as 8443 without root)
  --listen-address ADDR    bind address for Gateways without spec.addresses (default ::,
                           IPv4 and IPv6 on one socket, where the host has IPv6; else 0.0.0.0)
  --admin ADDR:PORT|off    status page, /metrics, /healthz, /readyz (default ${DEFAULT_ADMIN.host}:${DEFAULT_ADMIN.port},
                           in a pod too: reach it with kubectl port-forward)
  --admin-token-file FILE  the admin endpoint requires "Authorization: Bearer <token>"
                           with the token in FILE (for an --admin address others reach)
  --probe-address ADDR:PORT|off
                           /healthz, /readyz and /metrics only, for kubelet and Prometheus
                           (default ${POD_PROBE.host}:${POD_PROBE.port} in a pod, off elsewhere)
  --workers N|auto         data-plane threads sharing every listening port (default 1;
                           auto = the CPUs the container may use, from its cgroup quota)
  --log-level LEVEL        ${LOG_LEVELS.join(", ")} (default info: one record per routed,
                           closed and refused connection)
  --log-format FORMAT      text (key=value) or json, one record per line (default text)
  --access-log-rate N      access-log records per second at most, bursts of one second's
                           worth; the rest are counted (default ${DEFAULT_ACCESS_LOG_RATE}; 0 = no limit)
  --max-hello-bytes N      largest ClientHello accepted, ${MIN_HELLO_BYTES}..${MAX_HELLO_BYTES_LIMIT} (default ${DEFAULT_LIMITS.maxHelloBytes})
  --hello-timeout DUR      time allowed for the ClientHello (default ${formatDuration(DEFAULT_LIMITS.helloTimeoutMs)})
  --connect-timeout DUR    time allowed to connect to an endpoint (default ${formatDuration(DEFAULT_LIMITS.connectTimeoutMs)})
  --connect-tries N        endpoints tried per connection (default ${DEFAULT_LIMITS.connectTries})
  --idle-timeout DUR       close connections idle this long (default ${formatDuration(DEFAULT_LIMITS.idleTimeoutMs)}; 0 = never)
  --keepalive DUR          TCP keepalive delay (default ${formatDuration(DEFAULT_LIMITS.keepAliveMs)}; 0 = off)
  --max-connections N      open connections per listener (default ${DEFAULT_LIMITS.maxConnectionsPerListener})
  --max-pending-per-client N
                           connections from one source address still waiting for their
                           ClientHello; more are closed at once (default ${DEFAULT_LIMITS.maxPendingHellosPerClient})
  --max-pending N          connections of the process still waiting for their ClientHello
                           (default ${DEFAULT_LIMITS.maxPendingHellos})
  --drain-timeout DUR      on SIGTERM, wait this long for connections (default ${formatDuration(DEFAULT_LIMITS.drainTimeoutMs)}; 0 = do not wait)
  --max-file-bytes N       file mode: largest manifest or endpoints file read (default ${DEFAULT_FILE_SIZE_LIMITS.maxFileBytes})
  --max-dir-bytes N        file mode: largest total of the manifest files (default ${DEFAULT_FILE_SIZE_LIMITS.maxDirBytes})
  --reload-confirm DUR     file mode: a change that removes every listener or empties a
                           file applies only once it reads the same this long later
                           (default ${formatDuration(DEFAULT_CONFIRM_MS)}; a file caught mid-write is never served)
  -h, --help               this help
  DUR is a Go duration in whole milliseconds: 500ms, 90s, 1h30m.
`;

const VALUE_OPTIONS = [
  "manifests", "endpoints", "kubeconfig", "context", "gateway-address", "gateway-addresses-from", "address-service", "lease-namespace", "controller-name",
  "port-offset", "listen-address", "admin", "admin-token-file", "probe-address", "log-level", "log-format", "access-log-rate",
  "max-hello-bytes", "hello-timeout", "connect-timeout", "connect-tries", "idle-timeout", "keepalive", "max-connections", "max-pending-per-client", "max-pending", "drain-timeout",
  "max-file-bytes", "max-dir-bytes", "reload-confirm", "workers",
] as const;

const SERVE_OPTIONS: OptionSpec = Object.fromEntries(VALUE_OPTIONS.map((name) => [name, { type: "string" }]));

type Parsed = { readonly options: ServeOptions } | { readonly error: string };

/** "ADDR:PORT" or "[v6]:PORT" (brackets dropped), or "off"; an error message otherwise. */
export function parseHostPort(flag: string, text: string): HostPort | undefined | { readonly error: string } {
  if (text === "off") return undefined;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s[\]]+)):(\d{1,5})$/.exec(text);
  if (match === null || Number(match[3]) > 65535) return { error: `--${flag} must be ADDR:PORT or off, not ${JSON.stringify(text)}` };
  return { host: (match[1] ?? match[2])!, port: Number(match[3]) };
}

/**
 * `env` decides the in-cluster defaults (KUBERNETES_SERVICE_HOST is set in every pod);
 * `wildcard` the default --listen-address (serve passes wildcardAddress.ts's, which probes the host).
 */
export function parseServeArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}, wildcard: () => string = () => "0.0.0.0"): Parsed {
  const parsed = parseOptions(argv, SERVE_OPTIONS);
  if ("error" in parsed) return parsed;
  const value = (key: (typeof VALUE_OPTIONS)[number]): string | undefined => stringValue(parsed, key);
  const has = (key: (typeof VALUE_OPTIONS)[number]): boolean => value(key) !== undefined;

  const problems: string[] = [];
  const integer = (key: (typeof VALUE_OPTIONS)[number], fallback: number, min: number, max: number): number => {
    const text = value(key);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`--${key} must be an integer ${min}..${max}, not ${JSON.stringify(text)}`);
    return n;
  };
  // 0 means off (see contract/durations.ts); `offAllowed` is false for the timeouts
  // that bound a connection's setup, which cannot be off (0 would refuse every connection).
  const duration = (key: (typeof VALUE_OPTIONS)[number], fallback: number, offAllowed: boolean): number => {
    const text = value(key);
    if (text === undefined) return fallback;
    const result = parseDuration(text);
    if (!result.ok) problems.push(`--${key}: ${result.problem}; ${result.fix}`);
    else if (result.ms === 0 && !offAllowed) problems.push(`--${key} cannot be 0 (off): give a positive duration`);
    return result.ok ? result.ms : fallback;
  };
  const address = (key: "admin" | "probe-address", fallback: HostPort | undefined): HostPort | undefined => {
    const text = value(key);
    if (text === undefined) return fallback;
    const result = parseHostPort(key, text);
    if (result !== undefined && "error" in result) {
      problems.push(result.error);
      return fallback;
    }
    return result;
  };

  const inPod = env.KUBERNETES_SERVICE_HOST !== undefined;
  const kubeconfig = value("kubeconfig");
  const admin = address("admin", DEFAULT_ADMIN);
  const probe = address("probe-address", inPod ? POD_PROBE : undefined);
  if (admin !== undefined && probe !== undefined && admin.port === probe.port && (admin.host === probe.host || admin.host === "0.0.0.0" || probe.host === "0.0.0.0")) {
    problems.push(`--admin and --probe-address cannot share port ${admin.port}`);
  }
  const rangeText = value("gateway-addresses-from");
  const gatewayAddressRange = rangeText === undefined ? undefined : parseAddressRange(rangeText);
  if (rangeText !== undefined && gatewayAddressRange === undefined) problems.push(`--gateway-addresses-from must be an IPv4 or IPv6 range FIRST-LAST or ADDR/LEN, not ${JSON.stringify(rangeText)}`);
  if (rangeText !== undefined && has("gateway-address")) problems.push("--gateway-addresses-from and --gateway-address exclude each other");
  const serviceText = value("address-service");
  const serviceMatch = serviceText === undefined ? null : /^([a-z0-9-]+)\/([a-z0-9.-]+)$/.exec(serviceText);
  if (serviceText !== undefined && serviceMatch === null) problems.push(`--address-service must be NAMESPACE/NAME, not ${JSON.stringify(serviceText)}`);
  if (serviceText !== undefined && has("gateway-address")) problems.push("--address-service and --gateway-address exclude each other");
  const controllerName = value("controller-name") ?? COURIER_CONTROLLER_NAME;
  const controllerProblem = controllerNameProblem(controllerName);
  if (controllerProblem !== undefined) problems.push(`--controller-name: ${controllerProblem}`);
  const logLevel = (value("log-level") ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  const logFormat = (value("log-format") ?? "text") as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) problems.push(`--log-format must be one of ${LOG_FORMATS.join(", ")}`);

  const workersText = value("workers") ?? "1";
  const workers = parseWorkers(workersText);
  if (typeof workers === "object") problems.push(workers.error);

  const limits: Limits = {
    maxHelloBytes: integer("max-hello-bytes", DEFAULT_LIMITS.maxHelloBytes, MIN_HELLO_BYTES, MAX_HELLO_BYTES_LIMIT),
    helloTimeoutMs: duration("hello-timeout", DEFAULT_LIMITS.helloTimeoutMs, false),
    connectTimeoutMs: duration("connect-timeout", DEFAULT_LIMITS.connectTimeoutMs, false),
    connectTries: integer("connect-tries", DEFAULT_LIMITS.connectTries, 1, 100),
    idleTimeoutMs: duration("idle-timeout", DEFAULT_LIMITS.idleTimeoutMs, true),
    keepAliveMs: duration("keepalive", DEFAULT_LIMITS.keepAliveMs, true),
    maxConnectionsPerListener: integer("max-connections", DEFAULT_LIMITS.maxConnectionsPerListener, 1, 10_000_000),
    drainTimeoutMs: duration("drain-timeout", DEFAULT_LIMITS.drainTimeoutMs, true),
    maxPendingHellosPerClient: integer("max-pending-per-client", DEFAULT_LIMITS.maxPendingHellosPerClient, 1, 10_000_000),
    maxPendingHellos: integer("max-pending", DEFAULT_LIMITS.maxPendingHellos, 1, 10_000_000),
  };
  const options: ServeOptions = {
    manifests: value("manifests") ?? "dist",
    endpoints: value("endpoints"),
    kubeconfig,
    context: value("context"),
    manifestsGiven: has("manifests"),
    gatewayAddresses: (value("gateway-address") ?? "").split(",").filter((a) => a !== ""),
    gatewayAddressRange,
    addressService: serviceMatch === null ? undefined : { namespace: serviceMatch[1]!, name: serviceMatch[2]! },
    leaseNamespace: value("lease-namespace"),
    controllerName,
    portOffset: integer("port-offset", 0, -65535, 65535),
    listenAddress: value("listen-address") ?? wildcard(),
    admin,
    adminTokenFile: value("admin-token-file"),
    probe,
    logLevel,
    logFormat,
    accessLogRate: integer("access-log-rate", DEFAULT_ACCESS_LOG_RATE, 0, 10_000_000),
    limits,
    workers: typeof workers === "object" ? 1 : workers,
    sizeLimits: {
      maxFileBytes: integer("max-file-bytes", DEFAULT_FILE_SIZE_LIMITS.maxFileBytes, 1, Number.MAX_SAFE_INTEGER),
      maxDirBytes: integer("max-dir-bytes", DEFAULT_FILE_SIZE_LIMITS.maxDirBytes, 1, Number.MAX_SAFE_INTEGER),
    },
    confirmMs: duration("reload-confirm", DEFAULT_CONFIRM_MS, true),
  };
  if (problems.length > 0) return { error: problems.join("\n") };
  return { options };
}
