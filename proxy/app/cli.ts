// Command-line parsing for `courier serve`. Pure: argv in, options or an error out.
import { controllerNameProblem, COURIER_CONTROLLER_NAME, DEFAULT_LIMITS, formatDuration, MAX_HELLO_BYTES_LIMIT, MIN_HELLO_BYTES, parseDuration, type Limits } from "../../contract/index.ts";
import { parseIpv4Range, type Ipv4Range } from "./gatewayAddressPool.ts";
import type { LogLevel } from "../lib/log.ts";

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ServeOptions {
  /** File mode: directory of Gateway API manifests. */
  readonly manifests: string;
  /** File mode: the local endpoints file (optional: routes then have no endpoints). */
  readonly endpoints: string | undefined;
  /** Cluster mode: a kubeconfig path, or "in-cluster" for the pod's service account. */
  readonly kubeconfig: string | undefined;
  /** Cluster mode: what Gateways report in status.addresses (e.g. the load balancer's IP). */
  readonly gatewayAddresses: readonly string[];
  /** Cluster mode: give each Gateway without spec.addresses its own address from this range (bind and status). */
  readonly gatewayAddressRange: Ipv4Range | undefined;
  /** Cluster mode: the proxy's own Service, whose load-balancer or cluster addresses Gateways report. */
  readonly addressService: { readonly namespace: string; readonly name: string } | undefined;
  /** Cluster mode: namespace of the leader-election Lease (default: the pod's or the context's). */
  readonly leaseNamespace: string | undefined;
  /** The GatewayClass controllerName this Courier serves (and writes status as); default COURIER_CONTROLLER_NAME. */
  readonly controllerName: string;
  readonly portOffset: number;
  /** Bind address for Gateways that name none. */
  readonly listenAddress: string;
  /** /healthz, /readyz, /metrics and the status page; undefined = off. */
  readonly admin: HostPort | undefined;
  readonly logLevel: LogLevel;
  readonly limits: Limits;
}

export const USAGE = `Usage:
  courier serve [--manifests DIR] [--endpoints FILE] [options]   file mode (the default)
  courier serve --kubeconfig FILE|in-cluster [options]            cluster mode
  (in a pod, with neither --manifests nor --kubeconfig: cluster mode, in-cluster)

Options:
  --manifests DIR          Gateway/TLSRoute manifests to serve (default: dist)
  --endpoints FILE         Service -> host:port list for file mode (YAML)
  --kubeconfig FILE        watch a cluster and write Gateway API status ("in-cluster" in a pod)
  --gateway-address ADDR   cluster mode: address(es) Gateways report, comma-separated
  --address-service NAMESPACE/NAME
                           cluster mode: Gateways report the addresses of this Service
                           (its load-balancer ingress, else its cluster IPs); the
                           Deployment that CourierProxy writes names its own Service
  --gateway-addresses-from FIRST-LAST
                           each Gateway without spec.addresses binds its own IPv4 address
                           from this range and reports it (e.g. 127.0.0.10-127.0.0.250)
  --lease-namespace NS     cluster mode: namespace of the leader-election Lease
  --controller-name NAME   serve only GatewayClasses with this controllerName and write
                           status as it (default ${COURIER_CONTROLLER_NAME}); a second,
                           independent Courier in one cluster takes another name
  --port-offset N          add N to every listener port (serve 443 as 8443 without root)
  --listen-address ADDR    bind address for Gateways without spec.addresses (default 0.0.0.0)
  --admin ADDR:PORT|off    health, metrics and status page (default 127.0.0.1:9090; 0.0.0.0:9090 in a pod)
  --log-level LEVEL        debug, info, warn or error (default info)
  --max-hello-bytes N      largest ClientHello accepted, ${MIN_HELLO_BYTES}..${MAX_HELLO_BYTES_LIMIT} (default ${DEFAULT_LIMITS.maxHelloBytes})
  --hello-timeout DUR      time allowed for the ClientHello (default ${formatDuration(DEFAULT_LIMITS.helloTimeoutMs)})
  --connect-timeout DUR    time allowed to connect to an endpoint (default ${formatDuration(DEFAULT_LIMITS.connectTimeoutMs)})
  --connect-tries N        endpoints tried per connection (default ${DEFAULT_LIMITS.connectTries})
  --idle-timeout DUR       close connections idle this long (default ${formatDuration(DEFAULT_LIMITS.idleTimeoutMs)}; 0 = never)
  --keepalive DUR          TCP keepalive delay (default ${formatDuration(DEFAULT_LIMITS.keepAliveMs)}; 0 = off)
  --max-connections N      open connections per listener (default ${DEFAULT_LIMITS.maxConnectionsPerListener})
  --drain-timeout DUR      on SIGTERM, wait this long for connections (default ${formatDuration(DEFAULT_LIMITS.drainTimeoutMs)}; 0 = do not wait)
  DUR is a Go duration in whole milliseconds: 500ms, 90s, 1h30m.
`;

type Parsed = { readonly options: ServeOptions } | { readonly error: string };

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** `env` decides the in-cluster defaults (KUBERNETES_SERVICE_HOST is set in every pod). */
export function parseServeArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Parsed {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) return { error: `unexpected argument ${JSON.stringify(arg)}` };
    const eq = arg.indexOf("=");
    if (eq !== -1) {
      values.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else {
      const value = argv[i + 1];
      if (value === undefined) return { error: `${arg} needs a value` };
      values.set(arg.slice(2), value);
      i++;
    }
  }
  const known = new Set(["manifests", "endpoints", "kubeconfig", "gateway-address", "gateway-addresses-from", "address-service", "lease-namespace", "controller-name", "port-offset", "listen-address", "admin", "log-level", "max-hello-bytes", "hello-timeout", "connect-timeout", "connect-tries", "idle-timeout", "keepalive", "max-connections", "drain-timeout"]);
  for (const key of values.keys()) if (!known.has(key)) return { error: `unknown option --${key}` };

  const problems: string[] = [];
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const text = values.get(key);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`--${key} must be an integer ${min}..${max}, not ${JSON.stringify(text)}`);
    return n;
  };
  // 0 means off (see contract/durations.ts); `offAllowed` is false for the timeouts
  // that bound a connection's setup, which cannot be off (0 would refuse every connection).
  const duration = (key: string, fallback: number, offAllowed: boolean): number => {
    const text = values.get(key);
    if (text === undefined) return fallback;
    const parsed = parseDuration(text);
    if (!parsed.ok) problems.push(`--${key}: ${parsed.problem}; ${parsed.fix}`);
    else if (parsed.ms === 0 && !offAllowed) problems.push(`--${key} cannot be 0 (off): give a positive duration`);
    return parsed.ok ? parsed.ms : fallback;
  };

  const inPod = env.KUBERNETES_SERVICE_HOST !== undefined && !values.has("manifests") && !values.has("kubeconfig");
  const kubeconfig = values.get("kubeconfig") ?? (inPod ? "in-cluster" : undefined);
  let admin: HostPort | undefined = { host: inPod ? "0.0.0.0" : "127.0.0.1", port: 9090 };
  const adminText = values.get("admin");
  if (adminText === "off") admin = undefined;
  else if (adminText !== undefined) {
    const match = /^(.+):(\d+)$/.exec(adminText);
    if (match === null || Number(match[2]) > 65535) problems.push(`--admin must be ADDR:PORT or off, not ${JSON.stringify(adminText)}`);
    else admin = { host: match[1]!, port: Number(match[2]) };
  }
  const rangeText = values.get("gateway-addresses-from");
  const gatewayAddressRange = rangeText === undefined ? undefined : parseIpv4Range(rangeText);
  if (rangeText !== undefined && gatewayAddressRange === undefined) problems.push(`--gateway-addresses-from must be an IPv4 range FIRST-LAST, not ${JSON.stringify(rangeText)}`);
  if (rangeText !== undefined && values.has("gateway-address")) problems.push("--gateway-addresses-from and --gateway-address exclude each other");
  const serviceText = values.get("address-service");
  const serviceMatch = serviceText === undefined ? null : /^([a-z0-9-]+)\/([a-z0-9.-]+)$/.exec(serviceText);
  if (serviceText !== undefined && serviceMatch === null) problems.push(`--address-service must be NAMESPACE/NAME, not ${JSON.stringify(serviceText)}`);
  if (serviceText !== undefined && values.has("gateway-address")) problems.push("--address-service and --gateway-address exclude each other");
  const controllerName = values.get("controller-name") ?? COURIER_CONTROLLER_NAME;
  const controllerProblem = controllerNameProblem(controllerName);
  if (controllerProblem !== undefined) problems.push(`--controller-name: ${controllerProblem}`);
  const logLevel = (values.get("log-level") ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);

  const limits: Limits = {
    maxHelloBytes: integer("max-hello-bytes", DEFAULT_LIMITS.maxHelloBytes, MIN_HELLO_BYTES, MAX_HELLO_BYTES_LIMIT),
    helloTimeoutMs: duration("hello-timeout", DEFAULT_LIMITS.helloTimeoutMs, false),
    connectTimeoutMs: duration("connect-timeout", DEFAULT_LIMITS.connectTimeoutMs, false),
    connectTries: integer("connect-tries", DEFAULT_LIMITS.connectTries, 1, 100),
    idleTimeoutMs: duration("idle-timeout", DEFAULT_LIMITS.idleTimeoutMs, true),
    keepAliveMs: duration("keepalive", DEFAULT_LIMITS.keepAliveMs, true),
    maxConnectionsPerListener: integer("max-connections", DEFAULT_LIMITS.maxConnectionsPerListener, 1, 10_000_000),
    drainTimeoutMs: duration("drain-timeout", DEFAULT_LIMITS.drainTimeoutMs, true),
  };
  const options: ServeOptions = {
    manifests: values.get("manifests") ?? "dist",
    endpoints: values.get("endpoints"),
    kubeconfig,
    gatewayAddresses: (values.get("gateway-address") ?? "").split(",").filter((a) => a !== ""),
    gatewayAddressRange,
    addressService: serviceMatch === null ? undefined : { namespace: serviceMatch[1]!, name: serviceMatch[2]! },
    leaseNamespace: values.get("lease-namespace"),
    controllerName,
    portOffset: integer("port-offset", 0, -65535, 65535),
    listenAddress: values.get("listen-address") ?? "0.0.0.0",
    admin,
    logLevel,
    limits,
  };
  if (problems.length > 0) return { error: problems.join("\n") };
  return { options };
}
