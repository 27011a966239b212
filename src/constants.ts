// Names of the construct library's public API. Those the proxy reads too live in the
// contract (contract/names.ts), the one copy both sides import.

export {
  COURIER_CONTROLLER_NAME,
  FALLBACK_ANNOTATION,
  GATEWAY_API_GROUP,
  HEALTH_CHECK_ANNOTATION,
  HEALTH_CHECK_HEALTHY_THRESHOLD_ANNOTATION,
  HEALTH_CHECK_INTERVAL_ANNOTATION,
  HEALTH_CHECK_TIMEOUT_ANNOTATION,
  HEALTH_CHECK_UNHEALTHY_THRESHOLD_ANNOTATION,
  IDLE_TIMEOUT_ANNOTATION,
  MCS_API_GROUP,
  PROXY_PROTOCOL_ANNOTATION,
  TCP_KEEPALIVE_ANNOTATION,
} from "../contract/index.js";

/** The proxy image published with this version of the constructs. */
export const DEFAULT_COURIER_IMAGE = "ghcr.io/courier-dev/courier:0.1.0";

/** The GatewayClass name every Courier chart refers to unless told otherwise. */
export const DEFAULT_GATEWAY_CLASS_NAME = "courier";

/** Argo CD reads this annotation to order a sync; lower waves apply first. */
export const ARGOCD_SYNC_WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave";
