// Settings shared by PassthroughRoute and PassthroughRouteSet: which API version to
// write, how cross-namespace backends are admitted, where to attach, and the
// per-route connection settings the proxy reads from annotations.

import type { HealthCheckOptions } from "./healthCheck.js";
import type { IPassthroughGateway } from "./passthroughGateway.js";
import type { DurationInput } from "./validation/durations.js";

/** Which TLSRoute API version to write. */
export enum TlsRouteApiVersion {
  /** gateway.networking.k8s.io/v1, served by Gateway API v1.5 and later. */
  V1 = "v1",
  /**
   * gateway.networking.k8s.io/v1alpha2, for clusters with Gateway API older than v1.5;
   * ReferenceGrants the route generates are then written as v1beta1.
   */
  V1ALPHA2 = "v1alpha2",
}

/** Which PROXY protocol header a route sends to its backends. */
export enum ProxyProtocolVersion {
  /** The binary version 2 header, with the client's SNI as an AUTHORITY TLV. */
  V2 = "v2",
}

/** What to do about backends in another namespace than the route's. */
export enum ReferenceGrantPolicy {
  /** Fail synth unless a BackendReferenceGrant in this app admits the backend. */
  REQUIRE = "Require",
  /** Generate the ReferenceGrants the route needs, in the backends' namespaces. */
  CREATE = "Create",
  /** Trust that the grants are managed outside this app (no check, nothing created). */
  EXTERNAL = "External",
}

export interface RouteParentOptions {
  /**
   * Attach only to the listener with this name.
   * @default every listener of the Gateway (narrowed by `port` if given)
   */
  readonly sectionName?: string;
  /**
   * Attach only to listeners on this port.
   * @default every port
   */
  readonly port?: number;
}

/** One parent of a route: a Gateway and which of its listeners. */
export interface RouteParent {
  /** The parent Gateway. */
  readonly gateway: IPassthroughGateway;
  /** Which of its listeners (sectionName, port). */
  readonly options: RouteParentOptions;
}

export interface PassthroughRouteOptions {
  /**
   * Parent Gateway to attach to; add more with attachTo().
   * @default none (at least one is required by synth time)
   */
  readonly gateway?: IPassthroughGateway;
  /**
   * Listener name on `gateway` (the parentRef's sectionName).
   * @default every listener
   */
  readonly sectionName?: string;
  /**
   * Listener port on `gateway` (the parentRef's port), for attaching without naming a listener.
   * @default every port
   */
  readonly port?: number;
  /**
   * Close a connection after this long with no bytes either way. Database
   * sessions idle for hours; give them a long one (e.g. "2h"), or "0" for never.
   * A Go duration in whole milliseconds.
   * @default the proxy's default (1h unless its --idle-timeout says otherwise)
   */
  readonly idleTimeout?: DurationInput;
  /**
   * TCP keepalive initial delay for the client and backend sockets, so that NATs and
   * load balancers keep idle connections open; "0" turns keepalive off.
   * A Go duration in whole milliseconds.
   * @default the proxy's default (60s unless its --keepalive says otherwise)
   */
  readonly tcpKeepalive?: DurationInput;
  /**
   * Send a PROXY protocol header to the backend before the client's bytes (before the
   * replayed SSLRequest for PostgreSQL clients), so the backend sees the client's
   * address and port instead of the proxy's; written as `courier.dev/proxy-protocol`.
   * The backend must be set up to expect it: one that is not fails every connection.
   * @default no header
   */
  readonly proxyProtocol?: ProxyProtocolVersion;
  /**
   * Active health checks of the endpoints (courier.dev/health-check* annotations).
   * @default none: endpoints leave the choice only for a moment after a refused connect
   */
  readonly healthCheck?: HealthCheckOptions;
  /**
   * TLSRoute API version to write.
   * @default TlsRouteApiVersion.V1
   */
  readonly apiVersion?: TlsRouteApiVersion;
  /**
   * How backends in another namespace are admitted.
   * @default ReferenceGrantPolicy.REQUIRE
   */
  readonly referenceGrants?: ReferenceGrantPolicy;
  /** Extra labels on the TLSRoute. @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra annotations on the TLSRoute. @default none */
  readonly annotations?: Readonly<Record<string, string>>;
}
