// Names that the construct library and the proxy must agree on. The proxy keeps its
// own copy (proxy/ never imports from src/), so a change here needs the same change there.

/** The controllerName of Courier's GatewayClass; the proxy only acts on classes with it. */
export const COURIER_CONTROLLER_NAME = "courier.dev/gateway-controller";

/** The GatewayClass name every Courier chart refers to unless told otherwise. */
export const DEFAULT_GATEWAY_CLASS_NAME = "courier";

/** Route annotation: weight-0 backends take connections while no weighted backend can. */
export const FALLBACK_ANNOTATION = "courier.dev/fallback";

/** Route annotation: close a connection after this long without bytes (Go duration). */
export const IDLE_TIMEOUT_ANNOTATION = "courier.dev/idle-timeout";

/** Route annotation: TCP keepalive initial delay for both sockets (Go duration). */
export const TCP_KEEPALIVE_ANNOTATION = "courier.dev/tcp-keepalive";

export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
export const MCS_API_GROUP = "multicluster.x-k8s.io";

/** Argo CD reads this annotation to order a sync; lower waves apply first. */
export const ARGOCD_SYNC_WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave";
