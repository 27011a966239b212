// Which API resources the controller watches, and which versions the cluster serves.
// TLSRoute is v1 from Gateway API v1.5 on and v1alpha2 before; ReferenceGrant v1 or
// v1beta1; ServiceImport only where the Multi-Cluster Services CRD is installed.
import { DISCOVERY_API_GROUP, GATEWAY_API_GROUP, MCS_API_GROUP } from "../../contract/index.ts";
import type { KubeClient } from "./client.ts";
import { KubeApiError } from "./client.ts";

export interface ApiResource {
  readonly group: string;
  readonly version: string;
  /** URL path segment, e.g. "tlsroutes". */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

export function apiVersionOf(r: Pick<ApiResource, "group" | "version">): string {
  return r.group === "" ? r.version : `${r.group}/${r.version}`;
}

/** Collection path, optionally in one namespace. */
export function collectionPath(r: ApiResource, namespace?: string): string {
  const base = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return namespace !== undefined && r.namespaced ? `${base}/namespaces/${namespace}/${r.plural}` : `${base}/${r.plural}`;
}

export function objectPath(r: ApiResource, namespace: string, name: string): string {
  return `${collectionPath(r, r.namespaced ? namespace : undefined)}/${name}`;
}

interface ResourceList {
  readonly resources?: readonly { readonly name: string; readonly kind: string; readonly namespaced: boolean }[];
}

async function served(client: KubeClient, group: string, version: string, plural: string): Promise<ApiResource | undefined> {
  try {
    const list = await client.request<ResourceList>("GET", `/apis/${group}/${version}`);
    const found = list.resources?.find((r) => r.name === plural);
    return found === undefined ? undefined : { group, version, plural, kind: found.kind, namespaced: found.namespaced };
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

async function firstServed(client: KubeClient, group: string, versions: readonly string[], plural: string): Promise<ApiResource | undefined> {
  for (const version of versions) {
    const found = await served(client, group, version, plural);
    if (found !== undefined) return found;
  }
  return undefined;
}

export interface WatchedResources {
  readonly gatewayClasses: ApiResource;
  readonly gateways: ApiResource;
  readonly tlsRoutes: ApiResource;
  readonly referenceGrants: ApiResource | undefined;
  readonly serviceImports: ApiResource | undefined;
  readonly services: ApiResource;
  readonly endpointSlices: ApiResource;
  readonly namespaces: ApiResource;
}

/** Asks the API server what it serves. Missing Gateway API CRDs are an error worth stopping for. */
export async function discoverResources(client: KubeClient): Promise<WatchedResources> {
  const gatewayClasses = await firstServed(client, GATEWAY_API_GROUP, ["v1"], "gatewayclasses");
  const gateways = await firstServed(client, GATEWAY_API_GROUP, ["v1"], "gateways");
  const tlsRoutes = await firstServed(client, GATEWAY_API_GROUP, ["v1", "v1alpha3", "v1alpha2"], "tlsroutes");
  if (gatewayClasses === undefined || gateways === undefined || tlsRoutes === undefined) {
    throw new Error("the Gateway API CRDs (GatewayClass, Gateway v1 and TLSRoute) are not installed in this cluster");
  }
  return {
    gatewayClasses,
    gateways,
    tlsRoutes,
    referenceGrants: await firstServed(client, GATEWAY_API_GROUP, ["v1", "v1beta1"], "referencegrants"),
    serviceImports: await firstServed(client, MCS_API_GROUP, ["v1alpha1"], "serviceimports"),
    services: { group: "", version: "v1", plural: "services", kind: "Service", namespaced: true },
    endpointSlices: { group: DISCOVERY_API_GROUP, version: "v1", plural: "endpointslices", kind: "EndpointSlice", namespaced: true },
    namespaces: { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false },
  };
}
