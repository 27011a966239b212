// Writes Gateway API manifests and a file-mode endpoints file for a test scenario.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";

export interface RouteSpec {
  readonly name: string;
  readonly namespace?: string;
  readonly hostnames: readonly string[];
  readonly backends: readonly { readonly name: string; readonly port: number; readonly weight?: number; readonly namespace?: string; readonly kind?: string; readonly group?: string }[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly gateway?: string;
}

export interface ListenerSpec {
  readonly name: string;
  readonly port: number;
  readonly hostname?: string;
}

export function gatewayManifest(name: string, listeners: readonly ListenerSpec[], namespace = "default"): object {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name, namespace },
    spec: {
      gatewayClassName: "courier",
      listeners: listeners.map((l) => ({
        name: l.name,
        port: l.port,
        protocol: "TLS",
        ...(l.hostname === undefined ? {} : { hostname: l.hostname }),
        tls: { mode: "Passthrough" },
        allowedRoutes: { namespaces: { from: "All" } },
      })),
    },
  };
}

export const COURIER_CLASS = {
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "GatewayClass",
  metadata: { name: "courier" },
  spec: { controllerName: "courier.dev/gateway-controller" },
};

export function routeManifest(route: RouteSpec): object {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "TLSRoute",
    metadata: { name: route.name, namespace: route.namespace ?? "default", ...(route.annotations ? { annotations: route.annotations } : {}) },
    spec: {
      parentRefs: [{ name: route.gateway ?? "gw", namespace: "default" }],
      hostnames: route.hostnames,
      rules: [{ backendRefs: route.backends.map((b) => ({ ...b })) }],
    },
  };
}

export interface EndpointsEntry {
  readonly name: string;
  readonly namespace?: string;
  readonly port: number;
  readonly endpoints: readonly string[];
}

export function endpointsDocument(entries: readonly EndpointsEntry[]): object {
  return {
    services: entries.map((e) => ({ namespace: e.namespace ?? "default", name: e.name, ports: [{ port: e.port, endpoints: e.endpoints }] })),
  };
}

/** Writes manifests into dir/manifests/all.yaml and the endpoints into dir/endpoints.yaml. */
export function writeScenario(dir: string, objects: readonly object[], endpoints: readonly EndpointsEntry[]): { manifests: string; endpoints: string } {
  const manifests = join(dir, "manifests");
  mkdirSync(manifests, { recursive: true });
  writeFileSync(join(manifests, "all.yaml"), objects.map((o) => stringify(o)).join("---\n"));
  const endpointsFile = join(dir, "endpoints.yaml");
  writeFileSync(endpointsFile, stringify(endpointsDocument(endpoints)));
  return { manifests, endpoints: endpointsFile };
}
