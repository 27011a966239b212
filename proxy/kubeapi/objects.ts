// Kubernetes objects as the API server sends them: only the fields Courier's edges
// read are typed; the rest is normalized into a Snapshot elsewhere.
export type KubeObject = Record<string, unknown> & {
  metadata?: { namespace?: string; name?: string; uid?: string; resourceVersion?: string };
  status?: unknown;
};

/** The watched Gateway API objects as last seen, by "namespace/name" (or "name"). */
export interface LiveGatewayObjects {
  readonly gatewayClasses: ReadonlyMap<string, KubeObject>;
  readonly gateways: ReadonlyMap<string, KubeObject>;
  readonly tlsRoutes: ReadonlyMap<string, KubeObject>;
}
