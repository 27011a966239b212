// Cluster mode's cache of every watched object (one KindStore per kind) and the
// Snapshot assembled from it. It decides which changes call for a new Plan:
// - a change translate() cannot see (status, managedFields, resourceVersion, an
//   annotation or label it does not read) does not: Courier's own status writes
//   come back as exactly such changes;
// - a change to a Service, ServiceImport or EndpointSlice that no route names (nor
//   the --address-service) does not either (see backendReferences.ts).
// A Snapshot list is the same array until its kind changes, so translate()'s
// lookups built from it can be reused (see translate/snapshotIndex.ts).
import type { Logger } from "../../lib/log.ts";
import type { LiveGatewayObjects } from "../../kubeapi/objects.ts";
import type {
  EndpointSlice,
  Gateway,
  GatewayApiBundle,
  GatewayClass,
  Namespace,
  ReferenceGrant,
  Service,
  ServiceImport,
  Snapshot,
  TLSRoute,
} from "../../model/snapshot.ts";
import { BackendReferences, type BackendKind } from "./backendReferences.ts";
import { KindStore } from "./kindStore.ts";
import type { CachedObject } from "./objectCache.ts";

/** Tells the status side which live object changed (kind, informer key). */
export type LiveChange = (kind: "GatewayClass" | "Gateway" | "TLSRoute", key: string) => void;

function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export class ClusterCache {
  readonly references: BackendReferences;
  readonly gatewayClasses: KindStore<GatewayClass>;
  readonly gateways: KindStore<Gateway>;
  readonly tlsRoutes: KindStore<TLSRoute>;
  readonly referenceGrants: KindStore<ReferenceGrant>;
  readonly services: KindStore<Service>;
  readonly endpointSlices: KindStore<EndpointSlice>;
  readonly serviceImports: KindStore<ServiceImport>;
  readonly namespaces: KindStore<Namespace>;
  private liveChange: LiveChange | undefined;

  constructor(log: Logger, pinnedServices: ReadonlySet<string> = new Set()) {
    const references = new BackendReferences(pinnedServices);
    this.references = references;
    const live = (kind: "GatewayClass" | "Gateway" | "TLSRoute") => (key: string) => this.liveChange?.(kind, key);
    const backend = (kind: BackendKind) => (key: string) => {
      const { namespace, name } = splitKey(key);
      return references.isReferenced(kind, namespace, name);
    };
    const sliceOf = (cached: CachedObject | undefined): EndpointSlice | undefined =>
      cached?.normalized?.kind === "EndpointSlice" ? cached.normalized.value : undefined;
    this.gatewayClasses = new KindStore((n) => (n.kind === "GatewayClass" ? n.value : undefined), log, () => true, live("GatewayClass"));
    this.gateways = new KindStore((n) => (n.kind === "Gateway" ? n.value : undefined), log, () => true, live("Gateway"));
    this.tlsRoutes = new KindStore((n) => (n.kind === "TLSRoute" ? n.value : undefined), log, () => true, (key, before, after) => {
      const route = (cached: CachedObject | undefined) => (cached?.normalized?.kind === "TLSRoute" ? cached.normalized.value : undefined);
      references.routeChanged(route(before), route(after));
      this.liveChange?.("TLSRoute", key);
    });
    this.referenceGrants = new KindStore((n) => (n.kind === "ReferenceGrant" ? n.value : undefined), log);
    this.services = new KindStore((n) => (n.kind === "Service" ? n.value : undefined), log, backend("Service"));
    this.serviceImports = new KindStore((n) => (n.kind === "ServiceImport" ? n.value : undefined), log, backend("ServiceImport"));
    this.endpointSlices = new KindStore((n) => (n.kind === "EndpointSlice" ? n.value : undefined), log, (_key, before, after) => {
      const slices = [sliceOf(before), sliceOf(after)];
      // A slice Courier could not read at all is taken as mattering: its owner is unknown.
      if (slices.some((slice, i) => slice === undefined && (i === 0 ? before : after) !== undefined)) return true;
      return slices.some((slice) => slice !== undefined && references.sliceReferenced(slice));
    });
    this.namespaces = new KindStore((n) => (n.kind === "Namespace" ? n.value : undefined), log);
  }

  /** Subscribes the status side to live object changes (one subscriber). */
  onLiveChange(listener: LiveChange): void {
    this.liveChange = listener;
  }

  snapshot(bundle: GatewayApiBundle | undefined): Snapshot {
    return {
      ...(bundle === undefined ? {} : { gatewayApiBundle: bundle }),
      gatewayClasses: this.gatewayClasses.snapshotList(),
      gateways: this.gateways.snapshotList(),
      tlsRoutes: this.tlsRoutes.snapshotList(),
      referenceGrants: this.referenceGrants.snapshotList(),
      services: this.services.snapshotList(),
      endpointSlices: this.endpointSlices.snapshotList(),
      serviceImports: this.serviceImports.snapshotList(),
      namespaces: this.namespaces.snapshotList(),
    };
  }

  live(): LiveGatewayObjects {
    return { gatewayClasses: this.gatewayClasses.live, gateways: this.gateways.live, tlsRoutes: this.tlsRoutes.live };
  }
}
