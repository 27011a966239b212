// The objects of one scale run, as plain JSON for the API server. The shape follows
// issue 16: N TLSRoutes over 100 Gateways, 2N Services (each with one EndpointSlice)
// of which N are referenced, 500 namespaces. Route i lives in namespace i % 500,
// names Gateway i % 100 (namespace i % 100, allowedRoutes from All) and Service i of
// its own namespace; Services N..2N-1 are referenced by nothing (the churn's targets).
// Route 0 is the probe: the reconcile measurement moves it between the Services
// probe-a and probe-b, whose endpoints are backends that say who they are.
import { COURIER_CONTROLLER_NAME, DISCOVERY_API_GROUP, GATEWAY_API_GROUP } from "../../contract/index.ts";
import type { ApiResource } from "../../proxy/kubeapi/resources.ts";

export const RESOURCES = {
  namespaces: { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false },
  services: { group: "", version: "v1", plural: "services", kind: "Service", namespaced: true },
  endpointSlices: { group: DISCOVERY_API_GROUP, version: "v1", plural: "endpointslices", kind: "EndpointSlice", namespaced: true },
  gatewayClasses: { group: GATEWAY_API_GROUP, version: "v1", plural: "gatewayclasses", kind: "GatewayClass", namespaced: false },
  gateways: { group: GATEWAY_API_GROUP, version: "v1", plural: "gateways", kind: "Gateway", namespaced: true },
  tlsRoutes: { group: GATEWAY_API_GROUP, version: "v1", plural: "tlsroutes", kind: "TLSRoute", namespaced: true },
} as const satisfies Record<string, ApiResource>;

export const CLASS_NAME = "courier-scale";
export const LISTENER_PORT = 443;
export const PROBE_NAMESPACE = "scale-0";
export const PROBE_ROUTE = "route-0";
export const PROBE_HOSTNAME = "route-0.scale.test";
export const PROBE_SERVICES = ["probe-a", "probe-b"] as const;

export interface ScaleShape {
  readonly routes: number;
  readonly gateways: number;
  readonly services: number;
  readonly namespaces: number;
}

export function shapeFor(routes: number): ScaleShape {
  return { routes, gateways: 100, services: 2 * routes, namespaces: 500 };
}

export interface ObjectToCreate {
  readonly resource: ApiResource;
  /** undefined for cluster-scoped objects. */
  readonly namespace: string | undefined;
  readonly body: Record<string, unknown>;
}

export const namespaceOf = (i: number, shape: ScaleShape): string => `scale-${i % shape.namespaces}`;
export const hostnameOf = (route: number): string => `route-${route}.scale.test`;

/** Where the backends listen: `address`, and a port for every ordinary Service (`base`) and one per probe Service. */
export interface BackendPorts {
  readonly address: string;
  readonly base: number;
  readonly "probe-a": number;
  readonly "probe-b": number;
}

/**
 * Headless: the test API server's ClusterIP allocator takes 80-170 ms per Service once
 * 10,000 exist (5.8 ms headless), which would make creating 20,000 take over an hour.
 * Courier routes to endpoints and reads a Service's ports, never its cluster IP.
 */
function service(namespace: string, name: string, targetPort: number): ObjectToCreate {
  return {
    resource: RESOURCES.services,
    namespace,
    body: { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec: { clusterIP: "None", ports: [{ name: "tls", port: 443, targetPort, protocol: "TCP" }] } },
  };
}

/** The EndpointSlice a controller-manager would have written: one ready endpoint. */
export function endpointSliceBody(namespace: string, serviceName: string, address: string, port: number): Record<string, unknown> {
  return {
    apiVersion: `${DISCOVERY_API_GROUP}/v1`,
    kind: "EndpointSlice",
    metadata: { name: `${serviceName}-1`, namespace, labels: { "kubernetes.io/service-name": serviceName } },
    addressType: "IPv4",
    ports: [{ name: "tls", port, protocol: "TCP" }],
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
  };
}

function endpointSlice(namespace: string, serviceName: string, address: string, port: number): ObjectToCreate {
  return { resource: RESOURCES.endpointSlices, namespace, body: endpointSliceBody(namespace, serviceName, address, port) };
}

export function routeBody(namespace: string, name: string, gateway: { readonly namespace: string; readonly name: string }, hostname: string, service: string): Record<string, unknown> {
  return {
    apiVersion: `${GATEWAY_API_GROUP}/v1`,
    kind: "TLSRoute",
    metadata: { name, namespace },
    spec: {
      parentRefs: [{ name: gateway.name, namespace: gateway.namespace }],
      hostnames: [hostname],
      rules: [{ backendRefs: [{ name: service, port: 443 }] }],
    },
  };
}

/**
 * Every object, in the order they must exist: namespaces first, then what lives in
 * them, routes last (so Courier, started later, sees a finished world either way).
 * Groups are returned separately so each can be created concurrently.
 */
export function scaleObjects(shape: ScaleShape, ports: BackendPorts): readonly (readonly ObjectToCreate[])[] {
  const namespaces: ObjectToCreate[] = [];
  for (let i = 0; i < shape.namespaces; i++) {
    const name = `scale-${i}`;
    namespaces.push({ resource: RESOURCES.namespaces, namespace: undefined, body: { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { bench: "scale" } } } });
  }
  const gateways: ObjectToCreate[] = [
    {
      resource: RESOURCES.gatewayClasses,
      namespace: undefined,
      body: { apiVersion: `${GATEWAY_API_GROUP}/v1`, kind: "GatewayClass", metadata: { name: CLASS_NAME }, spec: { controllerName: COURIER_CONTROLLER_NAME } },
    },
  ];
  for (let i = 0; i < shape.gateways; i++) {
    const namespace = namespaceOf(i, shape);
    gateways.push({
      resource: RESOURCES.gateways,
      namespace,
      body: {
        apiVersion: `${GATEWAY_API_GROUP}/v1`,
        kind: "Gateway",
        metadata: { name: `gw-${i}`, namespace },
        spec: {
          gatewayClassName: CLASS_NAME,
          listeners: [{ name: "tls", port: LISTENER_PORT, protocol: "TLS", tls: { mode: "Passthrough" }, allowedRoutes: { namespaces: { from: "All" } } }],
        },
      },
    });
  }
  const backends: ObjectToCreate[] = [];
  for (let i = 0; i < shape.services; i++) {
    const namespace = namespaceOf(i, shape);
    backends.push(service(namespace, `svc-${i}`, ports.base), endpointSlice(namespace, `svc-${i}`, ports.address, ports.base));
  }
  for (const name of PROBE_SERVICES) backends.push(service(PROBE_NAMESPACE, name, ports[name]), endpointSlice(PROBE_NAMESPACE, name, ports.address, ports[name]));
  const routes: ObjectToCreate[] = [];
  for (let i = 0; i < shape.routes; i++) {
    const namespace = namespaceOf(i, shape);
    const gateway = { namespace: namespaceOf(i % shape.gateways, shape), name: `gw-${i % shape.gateways}` };
    routes.push({ resource: RESOURCES.tlsRoutes, namespace, body: routeBody(namespace, `route-${i}`, gateway, hostnameOf(i), i === 0 ? PROBE_SERVICES[0] : `svc-${i}`) });
  }
  return [namespaces, gateways, backends, routes];
}

/** The EndpointSlices nothing routes to: Services N..2N-1. */
export function unreferencedSlices(shape: ScaleShape): readonly { readonly namespace: string; readonly service: string }[] {
  const slices: { namespace: string; service: string }[] = [];
  for (let i = shape.routes; i < shape.services; i++) slices.push({ namespace: namespaceOf(i, shape), service: `svc-${i}` });
  return slices;
}
