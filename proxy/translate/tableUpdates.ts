// Lookup tables updated instead of rebuilt: when a Snapshot list is known to be an
// earlier list with a few keys changed (model/snapshotLineage.ts), its table is the
// earlier table copied with those keys looked up again — the same table a rebuild
// gives (test/proxy/translate/translateMemo.test.ts compares whole Plans). Each
// updated table also says which table it came from and which of its keys changed,
// so translateMemo.ts re-checks only the routes that use those keys.
import type { ListChange } from "../model/snapshotLineage.ts";
import { keyOf, type EndpointSlice, type ObjectMeta } from "../model/snapshot.ts";

/** A table derived from its predecessor: which keys of it may differ. */
export interface TableChange {
  readonly previous: object;
  readonly keys: ReadonlySet<string>;
}

const tableChanges = new WeakMap<object, TableChange>();

export function tableChange(table: object): TableChange | undefined {
  return tableChanges.get(table);
}

/** One step only: what `previous` came from is forgotten, or every table would keep all its predecessors alive. */
function remember(table: object, previous: object, keys: ReadonlySet<string>): void {
  tableChanges.delete(previous);
  tableChanges.set(table, { previous, keys });
}

/** The object with `key` in a list sorted by keyOf(), by binary search; undefined when absent. */
function find<T extends { readonly meta: ObjectMeta }>(list: readonly T[], key: string): T | undefined {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const candidate = keyOf(list[middle]!.meta);
    if (candidate === key) return list[middle];
    if (candidate < key) low = middle + 1;
    else high = middle;
  }
  return undefined;
}

/** A "namespace/name" table of `list`, from the table of `change.previous`. */
export function updatedByKey<T extends { readonly meta: ObjectMeta }>(previous: ReadonlyMap<string, T>, change: ListChange, list: readonly T[]): ReadonlyMap<string, T> {
  const table = new Map(previous);
  for (const key of change.keys) {
    const value = find(list, key);
    if (value === undefined) table.delete(key);
    else table.set(key, value);
  }
  remember(table, previous, change.keys);
  return table;
}

export interface SliceTables {
  readonly byService: ReadonlyMap<string, readonly EndpointSlice[]>;
  readonly byServiceImport: ReadonlyMap<string, readonly EndpointSlice[]>;
}

export const serviceKeyOf = (slice: EndpointSlice): string | undefined => (slice.serviceName === undefined ? undefined : `${slice.meta.namespace}/${slice.serviceName}`);
export const serviceImportKeyOf = (slice: EndpointSlice): string | undefined => (slice.serviceImportName === undefined ? undefined : `${slice.meta.namespace}/${slice.serviceImportName}`);

/** One grouping (slices by Service, or by ServiceImport) of `list`, from that of `change.previous`. */
function updatedGroups(
  previous: ReadonlyMap<string, readonly EndpointSlice[]>,
  change: ListChange,
  previousList: readonly EndpointSlice[],
  list: readonly EndpointSlice[],
  ownerOf: (slice: EndpointSlice) => string | undefined,
): ReadonlyMap<string, readonly EndpointSlice[]> {
  const owners = new Set<string>();
  const added: EndpointSlice[] = [];
  for (const key of change.keys) {
    const before = find(previousList, key);
    const after = find(list, key);
    const ownerBefore = before === undefined ? undefined : ownerOf(before);
    const ownerAfter = after === undefined ? undefined : ownerOf(after);
    if (ownerBefore !== undefined) owners.add(ownerBefore);
    if (ownerAfter !== undefined) {
      owners.add(ownerAfter);
      added.push(after!);
    }
  }
  const table = new Map(previous);
  for (const owner of owners) {
    // Kept slices, then the changed ones, in list order (keyOf), as a rebuild groups them.
    const group = [...(previous.get(owner) ?? []).filter((slice) => !change.keys.has(keyOf(slice.meta))), ...added.filter((slice) => ownerOf(slice) === owner)];
    group.sort((a, b) => (keyOf(a.meta) < keyOf(b.meta) ? -1 : 1));
    if (group.length === 0) table.delete(owner);
    else table.set(owner, group);
  }
  remember(table, previous, owners);
  return table;
}

export function updatedSliceTables(previous: SliceTables, change: ListChange, list: readonly EndpointSlice[]): SliceTables {
  const previousList = change.previous as readonly EndpointSlice[];
  return {
    byService: updatedGroups(previous.byService, change, previousList, list, serviceKeyOf),
    byServiceImport: updatedGroups(previous.byServiceImport, change, previousList, list, serviceImportKeyOf),
  };
}
