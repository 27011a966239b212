// Which Services and ServiceImports some TLSRoute names as a backend, kept up to date
// route by route. translate() looks backends up only by these names (and the planner
// looks up the --address-service), so any other Service, ServiceImport or their
// EndpointSlices stays out of the Snapshot and a change to one skips the rebuild.
// The changed object is still cached, so a route that starts naming it later sees
// its latest state.
import { MCS_API_GROUP } from "../../../contract/index.ts";
import type { EndpointSlice, TLSRoute } from "../../model/snapshot.ts";

export type BackendKind = "Service" | "ServiceImport";

/** "Service namespace/name" or "ServiceImport namespace/name". */
export function backendKey(kind: BackendKind, namespace: string, name: string): string {
  return `${kind} ${namespace}/${name}`;
}

/** The backends an EndpointSlice serves (by its service-name labels), as backend keys; none for no slice. */
export function sliceOwners(slice: EndpointSlice | undefined): string[] {
  const owners: string[] = [];
  if (slice === undefined) return owners;
  if (slice.serviceName !== undefined) owners.push(backendKey("Service", slice.meta.namespace, slice.serviceName));
  if (slice.serviceImportName !== undefined) owners.push(backendKey("ServiceImport", slice.meta.namespace, slice.serviceImportName));
  return owners;
}

function referencesOf(route: TLSRoute): string[] {
  const keys: string[] = [];
  for (const rule of route.rules) {
    for (const ref of rule.backendRefs) {
      const kind = ref.group === "" && ref.kind === "Service" ? "Service" : ref.group === MCS_API_GROUP && ref.kind === "ServiceImport" ? "ServiceImport" : undefined;
      if (kind !== undefined) keys.push(backendKey(kind, ref.namespace ?? route.meta.namespace, ref.name));
    }
  }
  return keys;
}

export class BackendReferences {
  /** How many route backendRefs name each backend. */
  private readonly counts = new Map<string, number>();

  constructor(
    /** Services that matter whether or not a route names them ("namespace/name"). */
    private readonly pinnedServices: ReadonlySet<string> = new Set(),
  ) {}

  /**
   * A route was added (`before` undefined), changed or deleted (`after` undefined).
   * Returns the backend keys that became referenced or stopped being referenced.
   */
  routeChanged(before: TLSRoute | undefined, after: TLSRoute | undefined): string[] {
    const released = before === undefined ? [] : referencesOf(before);
    const taken = after === undefined ? [] : referencesOf(after);
    const touched = new Set([...released, ...taken]);
    const was = new Map([...touched].map((key) => [key, this.counts.has(key)] as const));
    for (const key of released) {
      const count = (this.counts.get(key) ?? 0) - 1;
      if (count > 0) this.counts.set(key, count);
      else this.counts.delete(key);
    }
    for (const key of taken) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    return [...touched].filter((key) => was.get(key) !== this.counts.has(key));
  }

  isReferenced(kind: BackendKind, namespace: string, name: string): boolean {
    return this.counts.has(backendKey(kind, namespace, name)) || (kind === "Service" && this.pinnedServices.has(`${namespace}/${name}`));
  }

  /** Whether the slice belongs to a Service or ServiceImport that matters. */
  sliceReferenced(slice: EndpointSlice): boolean {
    const namespace = slice.meta.namespace;
    return (
      (slice.serviceName !== undefined && this.isReferenced("Service", namespace, slice.serviceName)) ||
      (slice.serviceImportName !== undefined && this.isReferenced("ServiceImport", namespace, slice.serviceImportName))
    );
  }
}
