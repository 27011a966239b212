// Lookup tables over a Snapshot, so that resolving a reference is a map lookup rather
// than a scan. Each table is remembered for the list it was built from: Snapshot
// lists are immutable, and cluster mode hands over the same list while its kind is
// unchanged, so a route change does not rebuild the tables of 20,000 Services.

import type {
  EndpointSlice,
  Gateway,
  GatewayClass,
  Namespace,
  ReferenceGrant,
  Service,
  ServiceImport,
  Snapshot,
} from "../model/snapshot.ts";
import { listChange, type ListChange } from "../model/snapshotLineage.ts";
import { serviceImportKeyOf, serviceKeyOf, updatedByKey, updatedSliceTables, type SliceTables } from "./tableUpdates.ts";

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

/**
 * A table builder that remembers its result per list (by identity), dropped with
 * the list. One memo per table: a fixture may well pass one empty array as two kinds.
 */
function remembered<L extends object, T>(build: (list: L) => T): (list: L) => T {
  const tables = new WeakMap<L, T>();
  return (list) => {
    const known = tables.get(list);
    if (known !== undefined) return known;
    const table = build(list);
    tables.set(list, table);
    return table;
  };
}

/**
 * As remembered(), and when the list is a known change of an earlier list whose
 * table is remembered (model/snapshotLineage.ts), the table is updated from that one.
 */
function rememberedOrUpdated<L extends readonly object[], T>(build: (list: L) => T, update: (previous: T, change: ListChange, list: L) => T): (list: L) => T {
  const tables = new WeakMap<L, T>();
  return (list) => {
    const known = tables.get(list);
    if (known !== undefined) return known;
    const change = listChange(list);
    const previous = change === undefined ? undefined : tables.get(change.previous as L);
    const table = previous === undefined || change === undefined ? build(list) : update(previous, change, list);
    tables.set(list, table);
    return table;
  };
}

function byKey<T extends { readonly meta: { readonly namespace: string; readonly name: string } }>(items: readonly T[]): ReadonlyMap<string, T> {
  return new Map(items.map((item) => [namespacedKey(item.meta.namespace, item.meta.name), item] as const));
}

function sliceTables(slices: readonly EndpointSlice[]): SliceTables {
  return { byService: groupBy(slices, serviceKeyOf), byServiceImport: groupBy(slices, serviceImportKeyOf) };
}

const classTable = remembered((list: readonly GatewayClass[]) => new Map(list.map((item) => [item.meta.name, item] as const)));
const gatewayTable = remembered((list: readonly Gateway[]) => byKey(list));
// The kinds that change all day in a cluster (endpoints, and which Services routes name): updated, not rebuilt.
const serviceTable = rememberedOrUpdated((list: readonly Service[]) => byKey(list), updatedByKey);
const serviceImportTable = rememberedOrUpdated((list: readonly ServiceImport[]) => byKey(list), updatedByKey);
const sliceTable = rememberedOrUpdated(sliceTables, updatedSliceTables);
const namespaceTable = remembered((list: readonly Namespace[]) => new Map(list.map((namespace) => [namespace.meta.name, namespace.meta.labels] as const)));

export const indexSnapshot = remembered((snapshot: Snapshot): SnapshotIndex => {
  const slices = sliceTable(snapshot.endpointSlices);
  return {
    gatewayClasses: classTable(snapshot.gatewayClasses),
    gateways: gatewayTable(snapshot.gateways),
    services: serviceTable(snapshot.services),
    serviceImports: serviceImportTable(snapshot.serviceImports),
    slicesByService: slices.byService,
    slicesByServiceImport: slices.byServiceImport,
    namespaceLabels: namespaceTable(snapshot.namespaces),
    referenceGrants: snapshot.referenceGrants,
  };
});
