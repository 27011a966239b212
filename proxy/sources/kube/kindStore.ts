// One watched kind's share of the cluster cache: the informer's store (objectCache.ts
// decides what is kept), the kind's Snapshot list, rebuilt only when one of its
// objects changed and re-sorted only when one came or went, and for the kinds whose
// status Courier writes, the live stubs by key.
import type { Logger } from "../../lib/log.ts";
import type { KubeObject } from "../../kubeapi/objects.ts";
import type { NormalizedObject } from "../normalize/normalize.ts";
import type { InformerStore } from "./informer.ts";
import { cacheObject, translateView, type CachedObject } from "./objectCache.ts";

/** Whether a change to one object can change the Plan, beyond its Snapshot piece changing at all. */
export type Relevance = (key: string, before: CachedObject | undefined, after: CachedObject | undefined) => boolean;

export class KindStore<V> implements InformerStore<CachedObject> {
  private readonly values = new Map<string, V>();
  /** By informer key ("namespace/name", "/name" for cluster-scoped objects). */
  readonly live = new Map<string, KubeObject>();
  private order: string[] | undefined;
  private list: readonly V[] | undefined = [];

  constructor(
    /** The Snapshot value of a normalized object of this kind. */
    private readonly valueOf: (normalized: NormalizedObject) => V | undefined,
    private readonly log: Logger,
    /** Further filter on changes whose Snapshot piece did change (default: all matter). */
    private readonly relevant: Relevance = () => true,
    /** Told of every change, relevant or not (the status writer follows live objects). */
    private readonly onAnyChange?: (key: string, before: CachedObject | undefined, after: CachedObject | undefined) => void,
  ) {}

  keep(object: KubeObject): CachedObject {
    return cacheObject(object, this.log);
  }

  changed(key: string, before: CachedObject | undefined, after: CachedObject | undefined): boolean {
    const value = after?.normalized === undefined ? undefined : this.valueOf(after.normalized);
    const had = this.values.has(key);
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
    // Informer keys sort like keyOf(): namespaced keys are the same text, and
    // cluster-scoped ones all carry the same "/" prefix.
    if (had !== (value !== undefined)) this.order = undefined;
    this.list = undefined;
    if (after?.live === undefined) this.live.delete(key);
    else this.live.set(key, after.live);
    this.onAnyChange?.(key, before, after);
    return translateView(before) !== translateView(after) && this.relevant(key, before, after);
  }

  /** The kind's Snapshot list, sorted by namespace/name; the same array while nothing changed. */
  snapshotList(): readonly V[] {
    if (this.list !== undefined) return this.list;
    this.order ??= [...this.values.keys()].sort();
    const list: V[] = [];
    for (const key of this.order) list.push(this.values.get(key)!);
    this.list = list;
    return list;
  }
}
