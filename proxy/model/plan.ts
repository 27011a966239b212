// The Plan: what translate() decides and the data plane and status writer carry out.
// Plain immutable data, no behaviour, so that every producer (file mode, the
// Kubernetes controller) and every consumer (route table, status writer, admin page)
// agree on one vocabulary.
import type { HealthCheckSettings } from "../../contract/index.ts";

/** One TCP address a backend endpoint listens on. */
export interface EndpointAddress {
  readonly host: string;
  readonly port: number;
}

/** One backendRef of a route, resolved. */
export interface PlannedBackend {
  /** Human-readable identity for logs and metrics, e.g. "Service default/db:5432". */
  readonly name: string;
  /** 0..1,000,000; 0 never receives traffic unless the route opted into fallback. */
  readonly weight: number;
  /**
   * Ready endpoints (may be empty: no ready endpoint now). Undefined when the
   * backendRef itself is invalid; its share of the weight is then rejected.
   */
  readonly endpoints?: readonly EndpointAddress[];
  /** Why the backendRef is invalid (set exactly when endpoints is undefined). */
  readonly invalidReason?: string;
}

/** Per-route connection settings, from the route's courier.dev/* annotations. */
export interface RouteSettings {
  /** Weight-0 backends take connections while no weighted backend can (courier.dev/fallback). */
  readonly fallback: boolean;
  /** Close a connection after this long without bytes either way (courier.dev/idle-timeout). */
  readonly idleTimeoutMs?: number;
  /** TCP keepalive initial delay for both sockets (courier.dev/tcp-keepalive). */
  readonly keepAliveMs?: number;
  /** Send a PROXY protocol header of this version to the endpoint before the client's bytes (courier.dev/proxy-protocol); absent = none. */
  readonly proxyProtocol?: "v2";
  /** Active health checks of the route's endpoints (courier.dev/health-check*); absent = none. */
  readonly healthCheck?: HealthCheckSettings;
}

/** Where connections for one hostname go. */
export interface PlannedRoute {
  /** "namespace/name" of the TLSRoute (plus "#rule" when a v1alpha2 route has several). */
  readonly id: string;
  readonly backends: readonly PlannedBackend[];
  readonly settings: RouteSettings;
}

/**
 * One hostname entry of a listening socket. `hostname` is lowercase, either exact
 * ("db.example.com"), a wildcard ("*.example.com", one or more labels), or "*"
 * for "any SNI" (a listener and route that both leave hostnames out).
 */
export interface PlannedHost {
  readonly hostname: string;
  readonly route: PlannedRoute;
}

/** A Gateway listener, by Gateway "namespace/name" and listener name. */
export interface ListenerRef {
  readonly gateway: string;
  readonly listener: string;
}

/** One socket to listen on and the hostnames it serves (already de-conflicted). */
export interface PlannedPort {
  /** Bind address; "0.0.0.0" when the Gateway asks for none in particular. */
  readonly address: string;
  readonly port: number;
  readonly hosts: readonly PlannedHost[];
  /** The listeners this socket serves (several Gateways may share one), in Gateway key order. */
  readonly listeners: readonly ListenerRef[];
}

/** A socket the data plane could not listen on (the port is taken, the address is not local, ...). */
export interface SocketFailure {
  readonly address: string;
  readonly port: number;
  readonly message: string;
}

export interface Condition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number;
}

/** A reference to a watched object. */
export interface ObjectKey {
  readonly namespace?: string;
  readonly name: string;
}

export interface GatewayClassStatusPlan {
  readonly key: ObjectKey;
  readonly conditions: readonly Condition[];
  readonly supportedFeatures: readonly { readonly name: string }[];
}

export interface ListenerStatusPlan {
  readonly name: string;
  readonly supportedKinds: readonly { readonly group: string; readonly kind: string }[];
  readonly attachedRoutes: number;
  readonly conditions: readonly Condition[];
}

export interface GatewayStatusPlan {
  readonly key: ObjectKey;
  readonly addresses: readonly { readonly type: string; readonly value: string }[];
  readonly conditions: readonly Condition[];
  readonly listeners: readonly ListenerStatusPlan[];
}

export interface ParentRefPlan {
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

export interface RouteParentStatusPlan {
  readonly parentRef: ParentRefPlan;
  readonly controllerName: string;
  readonly conditions: readonly Condition[];
}

export interface RouteStatusPlan {
  readonly key: ObjectKey;
  /** Which served API version the route came from, so the writer patches the same one. */
  readonly apiVersion: string;
  readonly parents: readonly RouteParentStatusPlan[];
}

export interface Plan {
  readonly ports: readonly PlannedPort[];
  readonly gatewayClasses: readonly GatewayClassStatusPlan[];
  readonly gateways: readonly GatewayStatusPlan[];
  readonly routes: readonly RouteStatusPlan[];
  /** Problems worth a log line that no status field carries (e.g. an assumed GatewayClass). */
  readonly warnings: readonly string[];
}
