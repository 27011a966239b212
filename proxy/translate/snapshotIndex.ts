// Lookup tables over a Snapshot, built once per translate() so that resolving a
// reference is a map lookup rather than a scan.

import type {
  EndpointSlice,
  Gateway,
  GatewayClass,
  ReferenceGrant,
  Service,
  ServiceImport,
  Snapshot,
} from "../model/snapshot.ts";

export interface SnapshotIndex {
  readonly gatewayClasses: ReadonlyMap<string, GatewayClass>;
  /** Keyed "namespace/name". */
  readonly gateways: ReadonlyMap<string, Gateway>;
  readonly services: ReadonlyMap<string, Service>;
  readonly serviceImports: ReadonlyMap<string, ServiceImport>;
  /** Slices labelled kubernetes.io/service-name, keyed "namespace/service". */
  readonly slicesByService: ReadonlyMap<string, readonly EndpointSlice[]>;
  /** Slices labelled multicluster.kubernetes.io/service-name, keyed "namespace/import". */
  readonly slicesByServiceImport: ReadonlyMap<string, readonly EndpointSlice[]>;
  /** Namespace labels; a namespace missing here has no labels (file mode has no Namespaces). */
  readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly referenceGrants: readonly ReferenceGrant[];
}

export function namespacedKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string | undefined): Map<string, T[]> {
  const result = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    const list = result.get(key) ?? [];
    list.push(item);
    result.set(key, list);
  }
  return result;
}

export function indexSnapshot(snapshot: Snapshot): SnapshotIndex {
  const byKey = <T extends { readonly meta: { readonly namespace: string; readonly name: string } }>(items: readonly T[]) =>
    new Map(items.map((item) => [namespacedKey(item.meta.namespace, item.meta.name), item] as const));
  return {
    gatewayClasses: new Map(snapshot.gatewayClasses.map((item) => [item.meta.name, item] as const)),
    gateways: byKey(snapshot.gateways),
    services: byKey(snapshot.services),
    serviceImports: byKey(snapshot.serviceImports),
    slicesByService: groupBy(snapshot.endpointSlices, (slice) =>
      slice.serviceName === undefined ? undefined : namespacedKey(slice.meta.namespace, slice.serviceName),
    ),
    slicesByServiceImport: groupBy(snapshot.endpointSlices, (slice) =>
      slice.serviceImportName === undefined ? undefined : namespacedKey(slice.meta.namespace, slice.serviceImportName),
    ),
    namespaceLabels: new Map(snapshot.namespaces.map((namespace) => [namespace.meta.name, namespace.meta.labels] as const)),
    referenceGrants: snapshot.referenceGrants,
  };
}
