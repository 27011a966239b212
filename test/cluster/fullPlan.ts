// The oracle of the cluster-level incremental-translate test: every object Courier
// watches, read back from the API server, normalized with the proxy's own code and
// translated from scratch (no memo); the statuses that Plan asks for, side by side
// with the statuses Courier wrote; and where a new connection with an SNI may land.
import type { Plan, PlannedPort } from "../../proxy/model/plan.ts";
import type { KubeClient } from "../../proxy/kubeapi/client.ts";
import { apiVersionOf, collectionPath, type ApiResource, type WatchedResources } from "../../proxy/kubeapi/resources.ts";
import { readGatewayApiBundle } from "../../proxy/sources/kube/gatewayApiBundle.ts";
import { normalizeObjects } from "../../proxy/sources/normalize/normalize.ts";
import type { Planner } from "../../proxy/app/planner.ts";
import { mergedGatewayClassStatus, mergedGatewayStatus, mergedRouteStatus, type Json } from "../../proxy/status/statusMerge.ts";
import { buildRouteTable, lookupRoute } from "../../proxy/dataplane/routeTable.ts";
import { chooseBackend } from "../../proxy/dataplane/backendChoice.ts";

export type ListedObject = Record<string, unknown> & { readonly metadata: { readonly name: string; readonly namespace?: string; readonly generation?: number } };

/** Every object of the resource, cluster-wide, with the apiVersion and kind a list leaves out. */
export async function listObjects(client: KubeClient, resource: ApiResource): Promise<ListedObject[]> {
  const list = await client.request<{ items: ListedObject[] }>("GET", collectionPath(resource));
  return list.items.map((item) => ({ ...item, apiVersion: apiVersionOf(resource), kind: resource.kind }));
}

/** The Plan of everything the API server holds now, translated from scratch by `fresh` (a planner without memo). */
export async function fullPlan(client: KubeClient, resources: WatchedResources, fresh: Planner): Promise<{ readonly plan: Plan; readonly routes: readonly ListedObject[] }> {
  const watched = Object.values(resources).filter((r): r is ApiResource => r !== undefined);
  const lists = await Promise.all(watched.map((resource) => listObjects(client, resource)));
  const bundle = await readGatewayApiBundle(client);
  const objects = [...lists.flat(), ...("crd" in bundle ? [bundle.crd] : [])];
  const { snapshot } = normalizeObjects(objects.map((object) => ({ object })));
  return { plan: fresh(snapshot), routes: lists[watched.indexOf(resources.tlsRoutes)]! };
}

/** Statuses by "Kind namespace/name", as the users see them; times left out (they say when, not what). */
export type StatusView = Readonly<Record<string, Json>>;

function withoutTimes(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== "lastTransitionTime").map(([key, v]) => [key, withoutTimes(v)]));
}

/** JSON with object keys sorted: the same text for the same value, whatever order the fields came in. */
function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key]!)}`).join(",")}}`;
}

/**
 * Courier's entries of a route in parentRef order: the writer keeps an entry where it
 * was while its parentRef stays, so their order is history, not what the Plan says.
 */
function routeParents(parents: readonly Json[]): Json {
  const entries = parents.map(withoutTimes);
  const refOf = (entry: Json): string => canonical((entry as { parentRef?: Json }).parentRef ?? null);
  return entries.sort((a, b) => (refOf(a) < refOf(b) ? -1 : refOf(a) > refOf(b) ? 1 : 0));
}

function keyOf(kind: string, meta: { readonly namespace?: string; readonly name: string }): string {
  return `${kind} ${meta.namespace ?? ""}/${meta.name}`;
}

const NOW = "1970-01-01T00:00:00Z";

/** What the Plan asks of the GatewayClasses and Gateways it serves and of every route in `namespaces` (Courier's parent entries only). */
export function plannedStatuses(plan: Plan, routes: readonly ListedObject[], namespaces: ReadonlySet<string>, controllerName: string): StatusView {
  const view: Record<string, Json> = {};
  for (const entry of plan.gatewayClasses) view[keyOf("GatewayClass", entry.key)] = withoutTimes(mergedGatewayClassStatus(undefined, entry, NOW));
  for (const entry of plan.gateways) view[keyOf("Gateway", entry.key)] = withoutTimes(mergedGatewayStatus(undefined, entry, NOW));
  const planned = new Map(plan.routes.map((entry) => [keyOf("TLSRoute", entry.key), entry]));
  for (const route of routes) {
    const { namespace = "" } = route.metadata;
    if (!namespaces.has(namespace)) continue;
    const key = keyOf("TLSRoute", route.metadata);
    view[key] = routeParents(mergedRouteStatus(undefined, namespace, planned.get(key), NOW, controllerName).parents as Json[]);
  }
  return view;
}

/** The same keys as `planned`, read off the objects: Courier's entries of each route, the whole status of the rest. */
export function writtenStatuses(planned: StatusView, objects: readonly ListedObject[], controllerName: string): StatusView {
  const byKey = new Map(objects.map((object) => [keyOf(object.kind as string, object.metadata), object]));
  const view: Record<string, Json> = {};
  for (const [key, expected] of Object.entries(planned)) {
    const status = (byKey.get(key)?.status ?? {}) as Record<string, Json>;
    if (key.startsWith("TLSRoute ")) {
      const parents = Array.isArray(status.parents) ? status.parents : [];
      view[key] = routeParents(parents.filter((p) => (p as { controllerName?: string }).controllerName === controllerName));
    } else {
      // Only the fields Courier writes (an untouched object has the CRD's default status).
      const fields = Object.keys(expected as Record<string, Json>);
      view[key] = withoutTimes(Object.fromEntries(fields.map((field) => [field, status[field] ?? null])));
    }
  }
  return view;
}

/** What a connection gets that the proxy cannot send to a running backend. */
export const REFUSED = "refused";

/**
 * Every outcome a new connection to `port` with this SNI may have under the Plan:
 * the names of the backends it may reach (`nameOf` an endpoint host, undefined for
 * a host no backend runs at) or REFUSED. Weighted choice is random, so the draws
 * are swept; every endpoint is up, so health decides nothing.
 */
export function possibleLandings(port: PlannedPort, sni: string, nameOf: (host: string) => string | undefined): ReadonlySet<string> {
  const route = lookupRoute(buildRouteTable(port.hosts), sni);
  if (route === undefined) return new Set([REFUSED]);
  const outcomes = new Set<string>();
  for (let draw = 0; draw < 1; draw += 1 / 1024) {
    const choice = chooseBackend(route, draw, (backend) => (backend.endpoints?.length ?? 0) > 0);
    if (choice.kind === "reject") {
      outcomes.add(REFUSED);
      continue;
    }
    for (const endpoint of choice.backend.endpoints ?? []) outcomes.add(nameOf(endpoint.host) ?? REFUSED);
  }
  return outcomes;
}
