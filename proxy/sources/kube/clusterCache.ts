// Cluster mode's cache of every watched object (one KindStore per kind) and the
// Snapshot assembled from it. It decides which changes call for a new Plan:
// - a change translate() cannot see (status, managedFields, resourceVersion, an
//   annotation or label it does not read) does not: Courier's own status writes
//   come back as exactly such changes;
// - Services, ServiceImports and EndpointSlices are in the Snapshot only while a
//   route names them (or, for a Service, it is the --address-service): a change to
//   any other does not either (see backendReferences.ts).
// A Snapshot list is the same array until one of its members changes, so what
// translate() derived from it is reused (translate/snapshotIndex.ts, translateMemo.ts).
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
import { BackendReferences, sliceOwners } from "./backendReferences.ts";
import { KindStore } from "./kindStore.ts";
import type { CachedObject } from "./objectCache.ts";

/** Tells the status side which live object changed (kind, informer key). */
export type LiveChange = (kind: "GatewayClass" | "Gateway" | "TLSRoute", key: string) => void;

function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

const routeOf = (cached: CachedObject | undefined): TLSRoute | undefined => (cached?.normalized?.kind === "TLSRoute" ? cached.normalized.value : undefined);
const sliceOf = (cached: CachedObject | undefined): EndpointSlice | undefined => (cached?.normalized?.kind === "EndpointSlice" ? cached.normalized.value : undefined);

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
  /** Backend key -> the informer keys of the EndpointSlices labelled with it. */
  private readonly slicesByOwner = new Map<string, Set<string>>();
  private liveChange: LiveChange | undefined;

  constructor(log: Logger, pinnedServices: ReadonlySet<string> = new Set()) {
    const references = new BackendReferences(pinnedServices);
    this.references = references;
    const live = (kind: "GatewayClass" | "Gateway" | "TLSRoute") => ({ onAnyChange: (key: string) => this.liveChange?.(kind, key) });
    this.gatewayClasses = new KindStore((n) => (n.kind === "GatewayClass" ? n.value : undefined), log, live("GatewayClass"));
    this.gateways = new KindStore((n) => (n.kind === "Gateway" ? n.value : undefined), log, live("Gateway"));
    this.tlsRoutes = new KindStore((n) => (n.kind === "TLSRoute" ? n.value : undefined), log, {
      onAnyChange: (key, before, after) => {
        for (const backend of references.routeChanged(routeOf(before), routeOf(after))) this.backendFlipped(backend);
        this.liveChange?.("TLSRoute", key);
      },
    });
    this.referenceGrants = new KindStore((n) => (n.kind === "ReferenceGrant" ? n.value : undefined), log);
    this.namespaces = new KindStore((n) => (n.kind === "Namespace" ? n.value : undefined), log);
    this.services = new KindStore((n) => (n.kind === "Service" ? n.value : undefined), log, {
      member: (key) => references.isReferenced("Service", splitKey(key).namespace, splitKey(key).name),
    });
    this.serviceImports = new KindStore((n) => (n.kind === "ServiceImport" ? n.value : undefined), log, {
      member: (key) => references.isReferenced("ServiceImport", splitKey(key).namespace, splitKey(key).name),
    });
    this.endpointSlices = new KindStore((n) => (n.kind === "EndpointSlice" ? n.value : undefined), log, {
      member: (_key, slice) => references.sliceReferenced(slice),
      onAnyChange: (key, before, after) => {
        for (const owner of sliceOwners(sliceOf(before))) {
          const keys = this.slicesByOwner.get(owner);
          keys?.delete(key);
          if (keys?.size === 0) this.slicesByOwner.delete(owner);
        }
        for (const owner of sliceOwners(sliceOf(after))) {
          let keys = this.slicesByOwner.get(owner);
          if (keys === undefined) this.slicesByOwner.set(owner, (keys = new Set()));
          keys.add(key);
        }
      },
    });
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

  /** A backend became named by some route, or by none any more: it and its slices join or leave the Snapshot. */
  private backendFlipped(backend: string): void {
    const space = backend.indexOf(" ");
    const key = backend.slice(space + 1);
    if (backend.startsWith("Service ")) this.services.refresh(key);
    else this.serviceImports.refresh(key);
    for (const slice of this.slicesByOwner.get(backend) ?? []) this.endpointSlices.refresh(slice);
  }
}
