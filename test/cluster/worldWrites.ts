// Carries a RandomWorld (test/proxy/translate/randomWorld.ts) event out on a real API
// server: the object is applied (server-side) or deleted there. What only a watch could
// say (resourceVersion, managedFields, status) is left to the server; an event that
// changes nothing Courier reads becomes an annotation change, so the server still
// sends a watch event. EndpointSlice addresses 10.0.0.N become the Nth real backend.
// A write the server refuses (its CRD validation: a Terminate listener without
// certificates, two listeners alike) is undone in the world too, so world and
// server agree on what exists.
import { KubeApiError, type KubeClient } from "../../proxy/kubeapi/client.ts";
import { apiVersionOf, objectPath, type ApiResource, type WatchedResources } from "../../proxy/kubeapi/resources.ts";
import type { RandomWorld, RawObject, WorldEvent } from "../proxy/translate/randomWorld.ts";

/** An annotation no part of Courier reads: the world's own version counter. */
const VERSION_ANNOTATION = "test.courier.dev/world-version";
const FIELD_MANAGER = "courier-oracle-test";

export type WriteOutcome = "applied" | "refused";

export function resourceOfKind(resources: WatchedResources, kind: string): ApiResource {
  const byKind: Record<string, ApiResource | undefined> = {
    GatewayClass: resources.gatewayClasses,
    Gateway: resources.gateways,
    TLSRoute: resources.tlsRoutes,
    ReferenceGrant: resources.referenceGrants,
    ServiceImport: resources.serviceImports,
    Service: resources.services,
    EndpointSlice: resources.endpointSlices,
    Namespace: resources.namespaces,
  };
  const resource = byKind[kind];
  if (resource === undefined) throw new Error(`the API server does not serve ${kind}`);
  return resource;
}

/** The object as a client would send it. */
function requestBody(object: RawObject, resource: ApiResource, backendAddress: (worldAddress: string) => string): Record<string, unknown> {
  const { metadata, status: _status, apiVersion: _apiVersion, ...fields } = object;
  const { name, namespace, labels, annotations, resourceVersion } = metadata as RawObject["metadata"] & { labels?: Record<string, string>; annotations?: Record<string, string> };
  const body: Record<string, unknown> = {
    ...fields,
    apiVersion: apiVersionOf(resource),
    metadata: { name, ...(namespace === undefined ? {} : { namespace }), labels: labels ?? {}, annotations: { ...annotations, [VERSION_ANNOTATION]: String(resourceVersion) } },
  };
  if (object.kind === "EndpointSlice") {
    const endpoints = (fields.endpoints ?? []) as readonly { readonly addresses: readonly string[] }[];
    body.endpoints = endpoints.map((endpoint) => ({ ...endpoint, addresses: endpoint.addresses.map(backendAddress) }));
  }
  return body;
}

function isStatus(error: unknown, ...statuses: number[]): boolean {
  return error instanceof KubeApiError && statuses.includes(error.status);
}

export class WorldWriter {
  applied = 0;
  refused = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly resources: WatchedResources,
    private readonly world: RandomWorld,
    private readonly backendAddress: (worldAddress: string) => string,
  ) {}

  async write(event: WorldEvent): Promise<WriteOutcome> {
    const object = (event.after ?? event.before)!;
    const resource = resourceOfKind(this.resources, object.kind);
    const path = objectPath(resource, object.metadata.namespace ?? "", object.metadata.name);
    try {
      if (event.after === undefined && object.kind !== "Namespace") {
        await this.client.request("DELETE", path).catch((error: unknown) => {
          if (!isStatus(error, 404)) throw error;
        });
      } else {
        // Namespaces are never deleted (nothing would finish it): a deleted one loses its labels.
        const after = event.after ?? { ...object, metadata: { ...object.metadata, labels: {} } };
        await this.apply(path, requestBody(after, resource, this.backendAddress));
      }
      this.applied++;
      return "applied";
    } catch (error) {
      if (!isStatus(error, 400, 422)) throw error;
      if (event.before === undefined) this.world.objects.delete(event.key);
      else this.world.objects.set(event.key, event.before);
      this.refused++;
      return "refused";
    }
  }

  /**
   * Server-side apply of the whole object, one field manager for every write: fields
   * an earlier write set and this one leaves out are removed, so the object ends up
   * exactly as the world has it (CRDs refuse a replace without a resourceVersion).
   */
  private async apply(path: string, body: Record<string, unknown>): Promise<void> {
    await this.client.request("PATCH", `${path}?fieldManager=${FIELD_MANAGER}&force=true`, body, "application/apply-patch+yaml");
  }
}
