// Shared pieces of the controller tests on the real API server: Courier in cluster
// mode as a process, manifests for the objects tests create (Services without
// selectors and the EndpointSlices a controller-manager would have made), reading
// objects back, and waiting for the status Courier writes.
import type { TCPSocketListener } from "bun";
import { COURIER_CONTROLLER_NAME } from "../../contract/index.ts";
import { freePort } from "../helpers/ports.ts";
import { startProxy, type ProxyProcess } from "../helpers/proxyProcess.ts";
import type { Cluster } from "../helpers/cluster.ts";

export const CLASS = "courier";
export const CONTROLLER = COURIER_CONTROLLER_NAME;
/** A route's conditions once it is attached and every backend resolves. */
export const ROUTE_OK: Readonly<Record<string, string>> = { Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" };

export interface ClusterProxy {
  readonly process: ProxyProcess;
  /** Where a Gateway listener's port is served: port + offset on 127.0.0.1. */
  readonly offset: number;
  port(listenerPort: number): number;
}

/** Runs `courier serve --kubeconfig` with listener port `listenerPort` landing on a free port (or with the given `offset`). */
export async function startClusterProxy(
  kubeconfig: string,
  options: { readonly leaseNamespace: string; readonly listenerPort?: number; readonly offset?: number; readonly extra?: readonly string[] },
): Promise<ClusterProxy> {
  const offset = options.offset ?? (await freePort()) - (options.listenerPort ?? 443);
  const proc = await startProxy(
    ["--kubeconfig", kubeconfig, "--port-offset", String(offset), "--listen-address", "127.0.0.1", "--lease-namespace", options.leaseNamespace, ...(options.extra ?? [])],
    60_000,
  );
  return { process: proc, offset, port: (p) => p + offset };
}

/** Courier's GatewayClass, or another name for another --controller-name. */
export function gatewayClassYaml(name = CLASS, controllerName = CONTROLLER): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: ${name}}
spec: {controllerName: ${controllerName}}
`;
}

export interface GatewayOptions {
  /** Default: Courier's GatewayClass. */
  readonly gatewayClassName?: string;
  readonly port?: number;
  /** The listener's hostname; default: none. */
  readonly hostname?: string;
  /** The listener's allowedRoutes (YAML flow text); default {namespaces: {from: Same}}, null for none. */
  readonly allowedRoutes?: string | null;
  /** Further listeners, as YAML list items. */
  readonly extraListeners?: string;
}

export function gatewayYaml(namespace: string, name: string, options: GatewayOptions = {}): string {
  const allowedRoutes = options.allowedRoutes === undefined ? "{namespaces: {from: Same}}" : options.allowedRoutes;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  gatewayClassName: ${options.gatewayClassName ?? CLASS}
  listeners:
  - name: tls
    port: ${options.port ?? 443}
    protocol: TLS
${options.hostname === undefined ? "" : `    hostname: ${JSON.stringify(options.hostname)}\n`}    tls: {mode: Passthrough}
${allowedRoutes === null ? "" : `    allowedRoutes: ${allowedRoutes}\n`}${options.extraListeners ?? ""}`;
}

export interface BackendRef {
  readonly name: string;
  readonly port: number;
  readonly weight?: number;
  /** The Service's namespace when it is not the route's. */
  readonly namespace?: string;
  /** A Multi-Cluster Services ServiceImport instead of a Service. */
  readonly serviceImport?: boolean;
}

/** A route's parentRef: a Gateway, in the route's namespace unless `namespace` says otherwise. */
export interface ParentRef {
  readonly name: string;
  readonly namespace?: string;
  readonly sectionName?: string;
}

function parentRefYaml(ref: ParentRef): string {
  return `{name: ${ref.name}${ref.namespace === undefined ? "" : `, namespace: ${ref.namespace}`}${ref.sectionName === undefined ? "" : `, sectionName: ${ref.sectionName}`}}`;
}

/** A TLSRoute; `gateway` is the parent Gateway's name or a full ParentRef. */
export function tlsRouteYaml(namespace: string, name: string, gateway: string | ParentRef, hostnames: readonly string[], backends: readonly BackendRef[], apiVersion = "v1"): string {
  const refs = backends.map((b) => `    - {${b.serviceImport === true ? "group: multicluster.x-k8s.io, kind: ServiceImport, " : ""}name: ${b.name}${b.namespace === undefined ? "" : `, namespace: ${b.namespace}`}, port: ${b.port}${b.weight === undefined ? "" : `, weight: ${b.weight}`}}`).join("\n");
  return `apiVersion: gateway.networking.k8s.io/${apiVersion}
kind: TLSRoute
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  parentRefs: [${parentRefYaml(typeof gateway === "string" ? { name: gateway } : gateway)}]
  hostnames: [${hostnames.map((h) => JSON.stringify(h)).join(", ")}]
  rules:
  - backendRefs:
${refs}
`;
}

/** A Service without a selector: nothing but the EndpointSlices tests write decides its endpoints. */
export function serviceYaml(namespace: string, name: string, port: number, targetPort: number): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  ports: [{name: tls, port: ${port}, targetPort: ${targetPort}, protocol: TCP}]
`;
}

/** `slice`: its addressType (default IPv4) and name (default <service>-1), for a second slice of one Service. */
export function endpointSliceYaml(namespace: string, service: string, addresses: readonly string[], port: number, ready = true, slice: { readonly addressType?: "IPv4" | "IPv6" | "FQDN"; readonly name?: string } = {}): string {
  const endpoints = addresses.map((a) => `  - {addresses: ["${a}"], conditions: {ready: ${ready}}}`).join("\n");
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${slice.name ?? `${service}-1`}
  namespace: ${namespace}
  labels: {kubernetes.io/service-name: ${service}}
addressType: ${slice.addressType ?? "IPv4"}
ports: [{name: tls, port: ${port}, protocol: TCP}]
endpoints:${addresses.length === 0 ? " []" : `\n${endpoints}`}
`;
}

/** serviceYaml and the EndpointSlice of its endpoints, as two YAML documents. */
export function serviceWithEndpointsYaml(namespace: string, name: string, addresses: readonly string[], port = 443, targetPort = 8443): string {
  return `${serviceYaml(namespace, name, port, targetPort)}---\n${endpointSliceYaml(namespace, name, addresses, targetPort)}`;
}

/** A ClusterSetIP ServiceImport with one port, 443 named tls. */
export function serviceImportYaml(namespace: string, name: string): string {
  return `apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  type: ClusterSetIP
  ports: [{name: tls, port: 443, protocol: TCP}]
`;
}

/** The EndpointSlice a Multi-Cluster Services controller would write for a ServiceImport. */
export function importedEndpointSliceYaml(namespace: string, service: string, addresses: readonly string[], port: number): string {
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${service}-remote, namespace: ${namespace}, labels: {multicluster.kubernetes.io/service-name: ${service}}}
addressType: IPv4
ports: [{name: tls, port: ${port}}]
endpoints: [${addresses.map((a) => `{addresses: ["${a}"]}`).join(", ")}]
`;
}

export type KubeJson = {
  metadata: { name: string; namespace?: string; generation?: number; resourceVersion?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

export async function getObject(cluster: Cluster, resource: string, namespace: string | undefined, name: string): Promise<KubeJson | undefined> {
  const result = await cluster.kubectl(["get", resource, name, "-o", "json", ...(namespace === undefined ? [] : ["-n", namespace])]);
  if (result.code !== 0) {
    if (/NotFound|not found/.test(result.stderr)) return undefined;
    throw new Error(`kubectl get ${resource} ${name}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as KubeJson;
}

export interface KubeConditionJson {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
  readonly lastTransitionTime?: string;
}

export function summary(conditions: unknown): Record<string, string> {
  const list = Array.isArray(conditions) ? (conditions as KubeConditionJson[]) : [];
  return Object.fromEntries(list.map((c) => [c.type, `${c.status}/${c.reason}`]));
}

export interface RouteParentJson {
  readonly parentRef: Record<string, unknown>;
  readonly controllerName: string;
  readonly conditions: readonly KubeConditionJson[];
}

export function routeParentsOf(route: KubeJson | undefined): readonly RouteParentJson[] {
  const parents = route?.status?.parents;
  return Array.isArray(parents) ? (parents as RouteParentJson[]) : [];
}

export interface ListenerJson {
  readonly name: string;
  readonly attachedRoutes: number;
  readonly supportedKinds: readonly { group?: string; kind: string }[];
  readonly conditions: readonly KubeConditionJson[];
}

export function listenersOf(gateway: KubeJson | undefined): readonly ListenerJson[] {
  const listeners = gateway?.status?.listeners;
  return Array.isArray(listeners) ? (listeners as ListenerJson[]) : [];
}

/** Polls `probe` until it returns a value other than undefined. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await Bun.sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? "" : `: ${String(lastError)}`}`);
}

/** Waits until the route's parent entry of ours has exactly these condition summaries. */
export async function waitRouteConditions(
  cluster: Cluster,
  namespace: string,
  name: string,
  expected: Record<string, string>,
  resource = "tlsroutes.gateway.networking.k8s.io",
  timeoutMs = 30_000,
): Promise<KubeJson> {
  let last: unknown;
  try {
    return await eventually(`${namespace}/${name} conditions ${JSON.stringify(expected)}`, async () => {
      const route = await getObject(cluster, resource, namespace, name);
      const ours = routeParentsOf(route).filter((p) => p.controllerName === CONTROLLER);
      last = ours.map((p) => summary(p.conditions));
      return ours.length === 1 && JSON.stringify(summary(ours[0]!.conditions)) === JSON.stringify(expected) ? route : undefined;
    }, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen ${JSON.stringify(last)}`);
  }
}

/**
 * Waits until the object's status has condition `type` (with `statusReason`, e.g.
 * "True/Programmed", when given) and returns the object.
 */
export async function waitObjectCondition(
  cluster: Cluster,
  resource: string,
  namespace: string | undefined,
  name: string,
  type: string,
  statusReason?: string,
): Promise<KubeJson> {
  return await eventually(`${resource} ${name} ${type}${statusReason === undefined ? "" : ` ${statusReason}`}`, async () => {
    const object = await getObject(cluster, resource, namespace, name);
    const seen = summary(object?.status?.conditions)[type];
    return seen !== undefined && (statusReason === undefined || seen === statusReason) ? object : undefined;
  });
}

/** Deletes what a test created in its namespace (no controller-manager would: namespaces never finish deleting). */
export async function deleteTestObjects(cluster: Cluster, namespace: string): Promise<void> {
  await cluster.kubectl(["delete", "-n", namespace, "--ignore-not-found", "--wait=false", "tlsroutes.gateway.networking.k8s.io,gateways.gateway.networking.k8s.io,referencegrants.gateway.networking.k8s.io,services,endpointslices", "--all"]);
}

/** Percentile of a sample, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Binds, before the proxy does, the socket one of its listener ports lands on (the
 * first free one from 444), so that a Gateway on that port cannot be bound. Returns
 * the listener port and the holding socket.
 */
export function holdListenerPort(proxy: ClusterProxy): { readonly listenerPort: number; readonly squatter: TCPSocketListener<undefined> } {
  for (let listenerPort = 444; listenerPort < 520; listenerPort++) {
    try {
      return { listenerPort, squatter: Bun.listen({ hostname: "127.0.0.1", port: proxy.port(listenerPort), socket: { data() {} } }) };
    } catch {
      // Taken by someone else: try the next one.
    }
  }
  throw new Error("no free port to hold between 444 and 519 (plus the proxy's offset)");
}
