// The Snapshot: every watched object, normalized and immutable, as translate() sees it.
// Producers (file mode, the Kubernetes watches) build it with normalize.ts; translate()
// never sees raw Kubernetes JSON. Only the fields translate() or the status writer's
// bookkeeping needs are kept, with CRD defaults already applied, so that translate()
// has no "is this field missing?" branches of its own.
//
// Existing `status` is deliberately left out: translate() must not depend on what was
// written before (its output would otherwise feed back into its input), and the status
// writer reads the live object when it patches anyway.

/** Metadata every object keeps. */
export interface ObjectMeta {
  /** "" for cluster-scoped objects (GatewayClass, Namespace). */
  readonly namespace: string;
  readonly name: string;
  /** metadata.generation; 0 when absent (hand-written files), conditions echo it. */
  readonly generation: number;
  /** RFC 3339; "" when absent. Route precedence: older wins. */
  readonly creationTimestamp: string;
  readonly resourceVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

export interface ParametersRef extends GroupKind {
  readonly name: string;
  readonly namespace?: string;
}

export interface GatewayClass {
  readonly meta: ObjectMeta;
  readonly controllerName: string;
  readonly parametersRef?: ParametersRef;
}

/** Kubernetes label selector (matchLabels AND every matchExpression). */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly {
    readonly key: string;
    /** In, NotIn, Exists, DoesNotExist (anything else never matches). */
    readonly operator: string;
    readonly values: readonly string[];
  }[];
}

export interface AllowedRoutes {
  /** Same (CRD default), All or Selector; other values are kept and refused by translate. */
  readonly from: string;
  readonly selector?: LabelSelector;
  /** allowedRoutes.kinds as written (group defaulted to gateway.networking.k8s.io); undefined = derive from protocol. */
  readonly kinds?: readonly GroupKind[];
}

export interface Listener {
  readonly name: string;
  /** Lowercase; undefined = any hostname. */
  readonly hostname?: string;
  readonly port: number;
  /** As written: TLS, HTTP, HTTPS, TCP, UDP or a domain-prefixed custom protocol. */
  readonly protocol: string;
  /**
   * tls.mode with the CRD default applied: a present tls block without mode is
   * "Terminate"; undefined when there is no tls block at all.
   */
  readonly tlsMode?: string;
  readonly allowedRoutes: AllowedRoutes;
}

export interface GatewayAddress {
  /** IPAddress (CRD default), Hostname, or a domain-prefixed custom type. */
  readonly type: string;
  readonly value: string;
}

export interface Gateway {
  readonly meta: ObjectMeta;
  readonly gatewayClassName: string;
  readonly listeners: readonly Listener[];
  readonly addresses: readonly GatewayAddress[];
  /** spec.infrastructure.parametersRef, when set (Courier takes none: the Gateway is refused). */
  readonly infrastructureParametersRef?: ParametersRef;
}

export interface ParentRef {
  /** Defaulted: gateway.networking.k8s.io. */
  readonly group: string;
  /** Defaulted: Gateway. */
  readonly kind: string;
  /** As written (undefined = the route's namespace); kept as given for status. */
  readonly namespace?: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

export interface BackendRef {
  /** Defaulted: "" (core). */
  readonly group: string;
  /** Defaulted: Service. */
  readonly kind: string;
  readonly name: string;
  /** As written (undefined = the route's namespace). */
  readonly namespace?: string;
  readonly port?: number;
  /** Defaulted: 1. */
  readonly weight: number;
}

export interface RouteRule {
  readonly name?: string;
  readonly backendRefs: readonly BackendRef[];
}

/** TLSRoute v1 and v1alpha2 in one shape. */
export interface TLSRoute {
  readonly meta: ObjectMeta;
  /** The served version it came from, e.g. "gateway.networking.k8s.io/v1". */
  readonly apiVersion: string;
  readonly parentRefs: readonly ParentRef[];
  /** Lowercase; empty = any hostname (v1alpha2 only; v1 requires at least one). */
  readonly hostnames: readonly string[];
  /** v1: exactly one; v1alpha2: one or more. */
  readonly rules: readonly RouteRule[];
}

export interface ReferenceGrantFrom {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
}

export interface ReferenceGrantTo {
  readonly group: string;
  readonly kind: string;
  /** undefined = every object of that group/kind in the grant's namespace. */
  readonly name?: string;
}

export interface ReferenceGrant {
  readonly meta: ObjectMeta;
  readonly from: readonly ReferenceGrantFrom[];
  readonly to: readonly ReferenceGrantTo[];
}

export interface ServicePort {
  /** "" when unnamed (matches an unnamed EndpointSlice port). */
  readonly name: string;
  readonly port: number;
  /** TCP (default), UDP or SCTP. */
  readonly protocol: string;
  readonly targetPort?: number | string;
  readonly appProtocol?: string;
}

export interface Service {
  readonly meta: ObjectMeta;
  /** ClusterIP (default), NodePort, LoadBalancer, ExternalName. */
  readonly type: string;
  readonly externalName?: string;
  readonly ports: readonly ServicePort[];
  /** spec.clusterIPs (or spec.clusterIP); empty for headless and ExternalName Services. */
  readonly clusterIPs: readonly string[];
  /** status.loadBalancer.ingress, each an IPAddress or a Hostname, in order. */
  readonly loadBalancerIngress: readonly { readonly type: "IPAddress" | "Hostname"; readonly value: string }[];
}

export interface EndpointConditions {
  /** Absent means "unknown", which Kubernetes says to treat as ready. */
  readonly ready?: boolean;
  readonly serving?: boolean;
  readonly terminating?: boolean;
}

export interface Endpoint {
  readonly addresses: readonly string[];
  readonly conditions: EndpointConditions;
}

export interface EndpointSlicePort {
  /** "" when unnamed. */
  readonly name: string;
  /** undefined = "all ports" per the EndpointSlice API; Courier cannot use such a port. */
  readonly port?: number;
  readonly protocol: string;
}

export interface EndpointSlice {
  readonly meta: ObjectMeta;
  /** IPv4, IPv6 or FQDN. */
  readonly addressType: string;
  /** Label kubernetes.io/service-name, when set. */
  readonly serviceName?: string;
  /** Label multicluster.kubernetes.io/service-name, when set (ServiceImport backends). */
  readonly serviceImportName?: string;
  readonly ports: readonly EndpointSlicePort[];
  readonly endpoints: readonly Endpoint[];
}

export interface ServiceImport {
  readonly meta: ObjectMeta;
  /** ClusterSetIP or Headless. */
  readonly type: string;
  readonly ports: readonly ServicePort[];
}

export interface Namespace {
  readonly meta: ObjectMeta;
}

/** The installed gatewayclasses CRD, as far as its Gateway API bundle version goes. */
export interface GatewayApiBundle {
  /** Annotation gateway.networking.k8s.io/bundle-version; undefined when the CRD lacks it. */
  readonly version?: string;
}

export interface Snapshot {
  /** Undefined when the CRD is not observed (file mode): no SupportedVersion condition then. */
  readonly gatewayApiBundle?: GatewayApiBundle;
  readonly gatewayClasses: readonly GatewayClass[];
  readonly gateways: readonly Gateway[];
  readonly tlsRoutes: readonly TLSRoute[];
  readonly referenceGrants: readonly ReferenceGrant[];
  readonly services: readonly Service[];
  readonly endpointSlices: readonly EndpointSlice[];
  readonly serviceImports: readonly ServiceImport[];
  /** May be empty (file mode): an absent Namespace is treated as one without labels. */
  readonly namespaces: readonly Namespace[];
}

export const EMPTY_SNAPSHOT: Snapshot = {
  gatewayClasses: [],
  gateways: [],
  tlsRoutes: [],
  referenceGrants: [],
  services: [],
  endpointSlices: [],
  serviceImports: [],
  namespaces: [],
};

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const SERVICE_IMPORT_NAME_LABEL = "multicluster.kubernetes.io/service-name";

/** "namespace/name", or "name" for cluster-scoped objects. */
export function keyOf(meta: ObjectMeta): string {
  return meta.namespace === "" ? meta.name : `${meta.namespace}/${meta.name}`;
}
