// One TLSRoute evaluated against the Gateways of ours it names: its backends, its
// verdict per parent, the hostnames it offers on each socket and the listeners it
// attaches to. What an evaluation reads is listed once, here, as its dependencies:
// translateMemo.ts reuses an evaluation while they are unchanged.
//
// EVERYTHING evaluateRoute() reads must be covered: by the route itself, by the
// RouteWorld (what every route reads alike) or by backendDependencies() (what this
// route's backendRefs read). A read added without that is a stale-Plan bug that the
// memo's oracle test (test/proxy/translate/translateMemo.test.ts) is there to catch.
import { resolveBackendRef, type BackendProblem } from "./backends.ts";
import type { ServedGateway } from "./gateways.ts";
import { ANY_HOSTNAME, GATEWAY_API_GROUP, MCS_API_GROUP } from "../../contract/index.ts";
import type { PlannedBackend, PlannedRoute } from "../model/plan.ts";
import type { HostCandidate } from "./portTable.ts";
import { evaluateParentRef, type ParentVerdict } from "./routeParents.ts";
import { settingsFromAnnotations } from "./routeSettings.ts";
import { keyOf, type EndpointSlice, type ParentRef, type TLSRoute } from "../model/snapshot.ts";
import { namespacedKey, type SnapshotIndex } from "./snapshotIndex.ts";

export interface RouteParentWork {
  readonly ref: ParentRef;
  readonly verdict: ParentVerdict;
}

/** One route, evaluated against every Gateway of ours it names. */
export interface EvaluatedRoute {
  readonly route: TLSRoute;
  /** keyOf(route.meta). */
  readonly routeKey: string;
  readonly backendProblems: readonly BackendProblem[];
  readonly settingsProblems: readonly string[];
  readonly parents: readonly RouteParentWork[];
  /** Each hostname offered on each socket, for the port table. */
  readonly candidates: readonly HostCandidate[];
  /** Which listeners took the route (each once, even when several parentRefs lead there), for attachedRoutes. */
  readonly attachedTo: readonly { readonly gateway: ServedGateway; readonly listenerName: string }[];
  /** The Plan warnings this route gives, in order. */
  readonly warnings: readonly string[];
}

/**
 * What every route's evaluation reads alike: the index's gateways, namespace labels
 * and ReferenceGrants, the served Gateways with their bind addresses, the port offset.
 */
export interface RouteContext {
  readonly index: SnapshotIndex;
  readonly servedByKey: ReadonlyMap<string, ServedGateway>;
  readonly bindAddress: (gateway: ServedGateway) => string;
  readonly portOffset: number;
}

export function evaluateRoute(route: TLSRoute, context: RouteContext): EvaluatedRoute {
  const routeKey = keyOf(route.meta);
  const warnings: string[] = [];
  const { settings, problems: settingsProblems } = settingsFromAnnotations(route.meta.annotations);
  for (const problem of settingsProblems) warnings.push(`TLSRoute ${routeKey}: ${problem}`);
  // v1alpha2 rules carry no matches, so every rule applies to every hostname:
  // their backendRefs form one weighted set.
  const resolved = route.rules.flatMap((rule) => rule.backendRefs.map((ref) => resolveBackendRef(route, ref, context.index)));
  const backends: PlannedBackend[] = resolved.map((entry) => entry.planned);
  const backendProblems = resolved.flatMap((entry) => (entry.problem === undefined ? [] : [entry.problem]));
  const planned: PlannedRoute = { id: routeKey, backends, settings };
  const parents: RouteParentWork[] = [];
  const candidates: HostCandidate[] = [];
  const attachedTo: { gateway: ServedGateway; listenerName: string }[] = [];
  for (const ref of route.parentRefs) {
    if (ref.group !== GATEWAY_API_GROUP || ref.kind !== "Gateway") continue;
    const gatewayKey = namespacedKey(ref.namespace ?? route.meta.namespace, ref.name);
    const gateway = context.servedByKey.get(gatewayKey);
    if (gateway === undefined) {
      // Someone else's Gateway: no status entry from Courier, not even a refusal.
      if (!context.index.gateways.has(gatewayKey)) warnings.push(`TLSRoute ${routeKey}: parent Gateway ${gatewayKey} not found`);
      continue;
    }
    const verdict = evaluateParentRef(route, ref, gateway.gateway, gateway.listeners, context.index.namespaceLabels);
    parents.push({ ref, verdict });
    for (const { listener: evaluated, hostnames } of verdict.attachments) {
      if (!attachedTo.some((a) => a.gateway === gateway && a.listenerName === evaluated.listener.name)) attachedTo.push({ gateway, listenerName: evaluated.listener.name });
      for (const hostname of hostnames) {
        candidates.push({
          address: context.bindAddress(gateway),
          port: evaluated.listener.port + context.portOffset,
          hostname,
          listenerHostname: evaluated.listener.hostname ?? ANY_HOSTNAME,
          routeKey,
          creationTimestamp: route.meta.creationTimestamp,
          route: planned,
        });
      }
    }
  }
  // Empty lists shared: an evaluation is kept per route, 10,000 of them.
  return {
    route,
    routeKey,
    backendProblems: backendProblems.length === 0 ? NONE : backendProblems,
    settingsProblems: settingsProblems.length === 0 ? NONE : settingsProblems,
    parents,
    candidates,
    attachedTo,
    warnings: warnings.length === 0 ? NONE : warnings,
  };
}

const NONE: readonly never[] = Object.freeze([]);

/** What one backendRef's resolution read: the Service or ServiceImport, and its slices. */
export interface BackendDependency {
  /** Service (else ServiceImport). */
  readonly service: boolean;
  /** "namespace/name", computed once: re-checking 10,000 routes must not build 10,000 strings. */
  readonly key: string;
  readonly target: object | undefined;
  readonly slices: readonly EndpointSlice[] | undefined;
}

function lookUp(service: boolean, key: string, index: SnapshotIndex): BackendDependency {
  return service
    ? { service, key, target: index.services.get(key), slices: index.slicesByService.get(key) }
    : { service, key, target: index.serviceImports.get(key), slices: index.slicesByServiceImport.get(key) };
}

/** The lookups resolveBackendRef() makes for each of the route's backendRefs. */
export function backendDependencies(route: TLSRoute, index: SnapshotIndex): BackendDependency[] {
  const dependencies: BackendDependency[] = [];
  for (const rule of route.rules) {
    for (const ref of rule.backendRefs) {
      const key = namespacedKey(ref.namespace ?? route.meta.namespace, ref.name);
      if (ref.group === "" && ref.kind === "Service") dependencies.push(lookUp(true, key, index));
      else if (ref.group === MCS_API_GROUP && ref.kind === "ServiceImport") dependencies.push(lookUp(false, key, index));
    }
  }
  return dependencies;
}

function sameSlices(a: readonly EndpointSlice[] | undefined, b: readonly EndpointSlice[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  // A slice list is rebuilt whenever any slice changes; its unchanged slices keep their identity.
  return a.every((slice, i) => slice === b[i]);
}

/** True when every lookup in `index` gives what it gave when the dependencies were taken. */
export function backendDependenciesHold(dependencies: readonly BackendDependency[], index: SnapshotIndex): boolean {
  return dependencies.every((dependency) => {
    const target = dependency.service ? index.services.get(dependency.key) : index.serviceImports.get(dependency.key);
    const slices = dependency.service ? index.slicesByService.get(dependency.key) : index.slicesByServiceImport.get(dependency.key);
    return target === dependency.target && sameSlices(slices, dependency.slices);
  });
}
