// Names the constructs write and the proxy reads: Courier's controller and route
// annotations, and the Kubernetes API groups both sides address (the constructs in
// RBAC rules and backendRefs, the proxy in watches and normalization).

/**
 * The controllerName of Courier's GatewayClass; the proxy only acts on classes with it.
 * A second, independent Courier in the same cluster takes another name (the proxy's
 * --controller-name, the class's controllerName).
 */
export const COURIER_CONTROLLER_NAME = "courier.dev/gateway-controller";

/** A GatewayClass controllerName: a domain, "/", a path (the Gateway API CRD's pattern), at most 253 characters. */
const CONTROLLER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

/** Why `name` cannot be a GatewayClass controllerName, or undefined when it can. */
export function controllerNameProblem(name: string): string | undefined {
  if (name.length > 253) return `a controllerName has at most 253 characters, not ${name.length}`;
  if (!CONTROLLER_NAME.test(name)) return `a controllerName is a lowercase domain, "/", then a path (e.g. ${COURIER_CONTROLLER_NAME}), not ${JSON.stringify(name)}`;
  return undefined;
}

/** Route annotation: weight-0 backends take connections while no weighted backend can ("true" or "false"). */
export const FALLBACK_ANNOTATION = "courier.dev/fallback";

/** Route annotation: close a connection after this long without bytes (see durations.ts; "0" = never). */
export const IDLE_TIMEOUT_ANNOTATION = "courier.dev/idle-timeout";

/** Route annotation: TCP keepalive initial delay for both sockets (see durations.ts; "0" = off). */
export const TCP_KEEPALIVE_ANNOTATION = "courier.dev/tcp-keepalive";

/**
 * Route annotation: send a PROXY protocol header to the backend before the client's
 * bytes, so it sees the client's address. "v2" (the binary version) is the one value.
 */
export const PROXY_PROTOCOL_ANNOTATION = "courier.dev/proxy-protocol";
/** The one PROXY_PROTOCOL_ANNOTATION value Courier sends. */
export const PROXY_PROTOCOL_V2 = "v2";
/** Route annotation: active health checks of the route's endpoints, "tcp" or "tls" (absent = none; see healthChecks.ts). */
export const HEALTH_CHECK_ANNOTATION = "courier.dev/health-check";

/** Route annotation: time between two checks of one endpoint (see durations.ts). */
export const HEALTH_CHECK_INTERVAL_ANNOTATION = "courier.dev/health-check-interval";

/** Route annotation: how long one check may take before it counts as failed (shorter than the interval). */
export const HEALTH_CHECK_TIMEOUT_ANNOTATION = "courier.dev/health-check-timeout";

/** Route annotation: consecutive passed checks that bring an unhealthy endpoint back. */
export const HEALTH_CHECK_HEALTHY_THRESHOLD_ANNOTATION = "courier.dev/health-check-healthy-threshold";

/** Route annotation: consecutive failed checks that take an endpoint out of the choice. */
export const HEALTH_CHECK_UNHEALTHY_THRESHOLD_ANNOTATION = "courier.dev/health-check-unhealthy-threshold";

export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
/** Multi-cluster Services API: ServiceImport backends. */
export const MCS_API_GROUP = "multicluster.x-k8s.io";
/** EndpointSlices, where the proxy finds a Service's endpoints. */
export const DISCOVERY_API_GROUP = "discovery.k8s.io";
/** Leases, for the proxy's leader election. */
export const COORDINATION_API_GROUP = "coordination.k8s.io";
/** CustomResourceDefinitions: the proxy reads the Gateway API bundle version from one. */
export const APIEXTENSIONS_API_GROUP = "apiextensions.k8s.io";

/** The GatewayClass CRD, whose bundle-version annotation decides SupportedVersion. */
export const GATEWAY_CLASS_CRD_NAME = `gatewayclasses.${GATEWAY_API_GROUP}`;
/** Annotation on the Gateway API CRDs naming the bundle version, e.g. "v1.6.1". */
export const BUNDLE_VERSION_ANNOTATION = `${GATEWAY_API_GROUP}/bundle-version`;
