// ReferenceGrant: may an object in one namespace refer to an object in another?

import type { ReferenceGrant } from "../model/snapshot.ts";

export interface ReferenceFrom {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
}

export interface ReferenceTo {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/**
 * Same-namespace references need no grant. Otherwise some grant in the target's
 * namespace must list the referrer's group, kind AND namespace in `from`, and the
 * target's group, kind and (when the grant names one) name in `to`: every field
 * must match, so near-misses are refused.
 */
export function isReferencePermitted(grants: readonly ReferenceGrant[], from: ReferenceFrom, to: ReferenceTo): boolean {
  if (from.namespace === to.namespace) return true;
  return grants.some(
    (grant) =>
      grant.meta.namespace === to.namespace &&
      grant.from.some((entry) => entry.group === from.group && entry.kind === from.kind && entry.namespace === from.namespace) &&
      grant.to.some((entry) => entry.group === to.group && entry.kind === to.kind && (entry.name === undefined || entry.name === to.name)),
  );
}
