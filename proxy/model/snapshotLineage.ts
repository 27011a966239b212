// How a Snapshot list came from an earlier one, when its producer knows: the keys
// ("namespace/name", "/name" for cluster-scoped objects) whose objects changed, came
// or went in between. A consumer that derived something from the earlier list (a
// lookup table, say) may update it for these keys instead of deriving it all again;
// without a recorded change it derives from scratch. Lists stay immutable either way.
export interface ListChange {
  readonly previous: readonly object[];
  readonly keys: ReadonlySet<string>;
}

const changes = new WeakMap<readonly object[], ListChange>();

/**
 * Records that `next` is `previous` with the objects of `keys` changed, added or
 * removed. One step only: what `previous` came from is forgotten, or every list
 * would keep all the lists before it alive.
 */
export function recordListChange(next: readonly object[], previous: readonly object[], keys: ReadonlySet<string>): void {
  changes.delete(previous);
  changes.set(next, { previous, keys });
}

export function listChange(next: readonly object[]): ListChange | undefined {
  return changes.get(next);
}
