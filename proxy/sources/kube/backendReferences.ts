// Which Services and ServiceImports some TLSRoute names as a backend, kept up to date
// route by route. translate() looks backends up only by these names (and the planner
// looks up the --address-service), so a change to any other Service, ServiceImport or
// their EndpointSlices cannot change the Plan: the cluster source then skips the
// rebuild. The changed object is still cached, so a route that starts naming it
// later sees its latest state.
import { MCS_API_GROUP } from "../../../contract/index.ts";
import type { EndpointSlice, TLSRoute } from "../../model/snapshot.ts";

export type BackendKind = "Service" | "ServiceImport";

function backendKey(kind: BackendKind, namespace: string, name: string): string {
  return `${kind} ${namespace}/${name}`;
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

  /** A route was added (`before` undefined), changed or deleted (`after` undefined). */
  routeChanged(before: TLSRoute | undefined, after: TLSRoute | undefined): void {
    for (const key of before === undefined ? [] : referencesOf(before)) {
      const count = (this.counts.get(key) ?? 0) - 1;
      if (count > 0) this.counts.set(key, count);
      else this.counts.delete(key);
    }
    for (const key of after === undefined ? [] : referencesOf(after)) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
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
