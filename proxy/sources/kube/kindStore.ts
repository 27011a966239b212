// One watched kind's share of the cluster cache: the informer's store (objectCache.ts
// decides what is kept), the kind's Snapshot list, rebuilt only when one of its
// members changed and re-sorted only when one came or went, and for the kinds whose
// status Courier writes, the live stubs by key.
//
// A kind may list only some of its objects in the Snapshot (`member`): Services,
// ServiceImports and EndpointSlices only when a route names them (translate() reads
// no other), so a change to any other leaves the list, and everything translate()
// derived from it, as it was. Which objects are members can change without the
// object changing (a route starts naming a Service): the cache then calls refresh().
import type { Logger } from "../../lib/log.ts";
import type { KubeObject } from "../../kubeapi/objects.ts";
import type { NormalizedObject } from "../normalize/normalize.ts";
import { recordListChange } from "../../model/snapshotLineage.ts";
import type { InformerStore } from "./informer.ts";
import { cacheObject, sameForTranslate, type CachedObject } from "./objectCache.ts";

export interface KindStoreOptions<V extends object> {
  /** Whether the object belongs in the Snapshot list (default: every valid object). */
  readonly member?: (key: string, value: V) => boolean;
  /** Told of every change, relevant or not (references, live objects for the status writer). */
  readonly onAnyChange?: (key: string, before: CachedObject | undefined, after: CachedObject | undefined) => void;
}

export class KindStore<V extends object> implements InformerStore<CachedObject> {
  private readonly values = new Map<string, V>();
  private readonly members = new Set<string>();
  /** By informer key ("namespace/name", "/name" for cluster-scoped objects). */
  readonly live = new Map<string, KubeObject>();
  /** Member keys in order; kept sorted by binary insertion (a re-sort of 20,000 keys per change is what this avoids). */
  private readonly order: string[] = [];
  /** The members' values, position for position with `order`: the next Snapshot list. */
  private current: V[] = [];
  /** The list last handed out: immutable from then on, so `current` is copied before its next change. */
  private handedOut: readonly V[] | undefined;
  /** Keys changed, added or removed since the last handout (recorded as its lineage, model/snapshotLineage.ts). */
  private touched = new Set<string>();

  constructor(
    /** The Snapshot value of a normalized object of this kind. */
    private readonly valueOf: (normalized: NormalizedObject) => V | undefined,
    private readonly log: Logger,
    private readonly options: KindStoreOptions<V> = {},
  ) {}

  keep(object: KubeObject): CachedObject {
    return cacheObject(object, this.log);
  }

  changed(key: string, before: CachedObject | undefined, after: CachedObject | undefined): boolean {
    const value = after?.normalized === undefined ? undefined : this.valueOf(after.normalized);
    // Equal for translate() (a status write, a resourceVersion bump): the value already
    // kept stays, so everything derived from it stays valid too.
    const same = value !== undefined && this.values.has(key) && sameForTranslate(before, after);
    if (value === undefined) this.values.delete(key);
    else if (!same) this.values.set(key, value);
    if (after?.live === undefined) this.live.delete(key);
    else this.live.set(key, after.live);
    // First: a route change may make other objects members (see ClusterCache).
    this.options.onAnyChange?.(key, before, after);
    const was = this.members.has(key);
    const is = this.updateMembership(key);
    // Not in the Snapshot before or after, or unchanged in it: the Plan stays as it was.
    if ((!was && !is) || (same && was === is)) return false;
    if (was && is) this.writable()[insertionPoint(this.order, key)] = value!;
    this.touched.add(key);
    return true;
  }

  /** Membership may have changed for reasons outside the object; true when it did. */
  refresh(key: string): boolean {
    const was = this.members.has(key);
    const is = this.updateMembership(key);
    if (was !== is) this.touched.add(key);
    return was !== is;
  }

  /** The kind's Snapshot list, sorted by namespace/name; the same array while no member changed. */
  snapshotList(): readonly V[] {
    if (this.current !== this.handedOut) {
      if (this.handedOut !== undefined) recordListChange(this.current, this.handedOut, this.touched);
      this.handedOut = this.current;
      this.touched = new Set();
    }
    return this.current;
  }

  /** `current`, copied first if it was handed out (a memory copy: no lookups). */
  private writable(): V[] {
    if (this.current === this.handedOut) this.current = this.current.slice();
    return this.current;
  }

  private updateMembership(key: string): boolean {
    const value = this.values.get(key);
    const is = value !== undefined && (this.options.member?.(key, value) ?? true);
    if (is === this.members.has(key)) return is;
    // Informer keys sort like keyOf(): namespaced keys are the same text, and
    // cluster-scoped ones all carry the same "/" prefix.
    const at = insertionPoint(this.order, key);
    if (is) {
      this.members.add(key);
      this.order.splice(at, 0, key);
      this.writable().splice(at, 0, value!);
    } else {
      this.members.delete(key);
      this.order.splice(at, 1);
      this.writable().splice(at, 1);
    }
    return is;
  }
}

/** Index of the first key not before `key` in sorted `keys`. */
function insertionPoint(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keys[middle]! < key) low = middle + 1;
    else high = middle;
  }
  return low;
}
