// translate(snapshot) -> Plan: all Gateway API semantics, as one pure and
// deterministic function (same Snapshot, in any order, gives the same Plan).
// Each step lives in its own module; this file only wires them together.

import { resolveBackendRef, type BackendProblem } from "./backends.ts";
import { ConditionType, RouteReason, condition } from "./conditions.ts";
import { gatewayClassStatus, classVerdict, isOurClass } from "./gatewayClasses.ts";
import { gatewayStatus, type ServedGateway } from "./gateways.ts";
import { ANY_HOSTNAME, COURIER_CONTROLLER_NAME, GATEWAY_API_GROUP } from "../../contract/index.ts";
import { evaluateListeners } from "./listeners.ts";
import {
  type Condition,
  type ParentRefPlan,
  type Plan,
  type PlannedBackend,
  type PlannedRoute,
  type RouteParentStatusPlan,
  type RouteStatusPlan,
} from "../model/plan.ts";
import { buildPortTable, type HostCandidate, type SocketAddress } from "./portTable.ts";
import { evaluateParentRef, type ParentVerdict } from "./routeParents.ts";
import { settingsFromAnnotations } from "./routeSettings.ts";
import { keyOf, type Gateway, type ObjectMeta, type ParentRef, type Snapshot, type TLSRoute } from "../model/snapshot.ts";
import { indexSnapshot, namespacedKey, type SnapshotIndex } from "./snapshotIndex.ts";

export interface GatewayStatusAddress {
  readonly type: string;
  readonly value: string;
}

/** Addresses decided outside translate() (serve options, an address pool, the proxy's Service). */
export interface GatewayAddresses {
  /** Where the Gateway's listeners bind. Default: its first IPAddress in spec.addresses, else "0.0.0.0". */
  readonly bind?: string;
  /** status.addresses of the Gateway. Default: its bind address. */
  readonly status?: readonly GatewayStatusAddress[];
}

export interface TranslateOptions {
  /**
   * The controllerName this Courier answers to (--controller-name): only classes
   * with it are served, and route status entries carry it. Default: COURIER_CONTROLLER_NAME.
   */
  readonly controllerName?: string;
  /** Added to every listener port when binding (run unprivileged: 443 -> 8443). Status keeps spec ports. */
  readonly portOffset?: number;
  /** Per Gateway, keyed "namespace/name": plain data, so the Plan depends on its inputs only. */
  readonly gatewayAddresses?: ReadonlyMap<string, GatewayAddresses>;
  /**
   * File mode: a GatewayClass that a Gateway names but the Snapshot lacks is taken
   * as Courier's (with a Plan warning) instead of as someone else's.
   */
  readonly assumeClassesOurs?: boolean;
}

/** The first IPAddress the Gateway asks for in spec.addresses, if any. */
export function requestedAddress(gateway: Gateway): string | undefined {
  return gateway.addresses.find((address) => address.type === "IPAddress" && address.value !== "")?.value;
}

export function defaultBindAddress(gateway: Gateway): string {
  return requestedAddress(gateway) ?? "0.0.0.0";
}

function byKey<T extends { readonly meta: ObjectMeta }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => {
    const ka = keyOf(a.meta);
    const kb = keyOf(b.meta);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** Courier takes no parameters: any spec.infrastructure.parametersRef is unsupported. */
function gatewayParametersProblem(gateway: Gateway): string | undefined {
  const ref = gateway.infrastructureParametersRef;
  if (ref === undefined) return undefined;
  const kind = ref.group === "" ? ref.kind : `${ref.kind}.${ref.group}`;
  return `spec.infrastructure.parametersRef ${kind} ${ref.name} is not supported: Courier takes no parameters`;
}

type ClassVerdict = { readonly accepted: boolean; readonly message: string };

/** The verdict on a Gateway's class, or undefined when the Gateway is not Courier's. */
function ourClassVerdict(gateway: Gateway, index: SnapshotIndex, options: Pick<TranslateOptions, "assumeClassesOurs" | "controllerName">): ClassVerdict | undefined {
  const gatewayClass = index.gatewayClasses.get(gateway.gatewayClassName);
  if (gatewayClass !== undefined) return isOurClass(gatewayClass, options.controllerName ?? COURIER_CONTROLLER_NAME) ? classVerdict(gatewayClass) : undefined;
  return options.assumeClassesOurs === true ? { accepted: true, message: "assumed" } : undefined;
}

/** The Gateways translate() serves: those of Courier's classes, sorted by key. */
export function ourGateways(snapshot: Snapshot, options: Pick<TranslateOptions, "assumeClassesOurs" | "controllerName"> = {}): Gateway[] {
  const index = indexSnapshot(snapshot);
  return byKey(snapshot.gateways).filter((gateway) => ourClassVerdict(gateway, index, options) !== undefined);
}

/** Which Gateways are ours, each with its listeners evaluated. */
function servedGateways(snapshot: Snapshot, index: SnapshotIndex, options: TranslateOptions, warnings: string[]): ServedGateway[] {
  const served: ServedGateway[] = [];
  for (const gateway of byKey(snapshot.gateways)) {
    const verdict = ourClassVerdict(gateway, index, options);
    if (verdict === undefined) continue;
    if (!index.gatewayClasses.has(gateway.gatewayClassName)) {
      warnings.push(`Gateway ${keyOf(gateway.meta)}: GatewayClass ${gateway.gatewayClassName} not found; taken as Courier's`);
    }
    const parametersProblem = gatewayParametersProblem(gateway);
    served.push({
      gateway,
      classAccepted: verdict.accepted,
      classMessage: verdict.message,
      ...(parametersProblem === undefined ? {} : { parametersProblem }),
      listeners: evaluateListeners(gateway, verdict.accepted && parametersProblem === undefined),
    });
  }
  return served;
}

function parentRefPlan(ref: ParentRef): ParentRefPlan {
  return {
    group: ref.group,
    kind: ref.kind,
    ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
    name: ref.name,
    ...(ref.sectionName === undefined ? {} : { sectionName: ref.sectionName }),
    ...(ref.port === undefined ? {} : { port: ref.port }),
  };
}

function resolvedRefsCondition(problems: readonly BackendProblem[], generation: number): Condition {
  const first = problems[0];
  if (first === undefined) return condition(ConditionType.ResolvedRefs, true, RouteReason.ResolvedRefs, "All backend references resolved", generation);
  return condition(ConditionType.ResolvedRefs, false, first.reason, problems.map((problem) => problem.message).join("; "), generation);
}

interface RouteParentWork {
  readonly ref: ParentRef;
  readonly verdict: ParentVerdict;
}

/** One route, evaluated against every Gateway of ours it names. */
interface EvaluatedRoute {
  readonly route: TLSRoute;
  readonly backendProblems: readonly BackendProblem[];
  readonly settingsProblems: readonly string[];
  readonly parents: readonly RouteParentWork[];
  /** Each hostname offered on each socket, for the port table. */
  readonly candidates: readonly HostCandidate[];
  /** Which listeners took the route, for attachedRoutes. */
  readonly attachedTo: readonly { readonly gateway: ServedGateway; readonly listenerName: string }[];
}

interface RouteContext {
  readonly index: SnapshotIndex;
  readonly servedByKey: ReadonlyMap<string, ServedGateway>;
  readonly bindAddress: (gateway: ServedGateway) => string;
  readonly portOffset: number;
  readonly warnings: string[];
}

function evaluateRoute(route: TLSRoute, context: RouteContext): EvaluatedRoute {
  const routeKey = keyOf(route.meta);
  const { settings, problems: settingsProblems } = settingsFromAnnotations(route.meta.annotations);
  for (const problem of settingsProblems) context.warnings.push(`TLSRoute ${routeKey}: ${problem}`);
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
      if (!context.index.gateways.has(gatewayKey)) context.warnings.push(`TLSRoute ${routeKey}: parent Gateway ${gatewayKey} not found`);
      continue;
    }
    const verdict = evaluateParentRef(route, ref, gateway.gateway, gateway.listeners, context.index.namespaceLabels);
    parents.push({ ref, verdict });
    for (const { listener: evaluated, hostnames } of verdict.attachments) {
      attachedTo.push({ gateway, listenerName: evaluated.listener.name });
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
  return { route, backendProblems, settingsProblems, parents, candidates, attachedTo };
}

/**
 * A route that lost a hostname to a route with precedence keeps Accepted=True (it
 * is attached, and usually still serves other hostnames or other sockets; the
 * Gateway API gives losers of a tie no other condition), but its Accepted message
 * names every hostname it does not serve and who does.
 */
function routeStatus(evaluated: EvaluatedRoute, shadowNotes: readonly string[], controllerName: string): RouteStatusPlan {
  const { route } = evaluated;
  const generation = route.meta.generation;
  const notes = [...shadowNotes, ...evaluated.settingsProblems.map((problem) => `ignored annotation ${problem}`)];
  const parents: RouteParentStatusPlan[] = evaluated.parents.map(({ ref, verdict }) => ({
    parentRef: parentRefPlan(ref),
    controllerName,
    conditions: [
      condition(
        ConditionType.Accepted,
        verdict.accepted,
        verdict.reason,
        verdict.accepted && notes.length > 0 ? `${verdict.message}; ${notes.join("; ")}` : verdict.message,
        generation,
      ),
      resolvedRefsCondition(evaluated.backendProblems, generation),
    ],
  }));
  return { key: { namespace: route.meta.namespace, name: route.meta.name }, apiVersion: route.apiVersion, parents };
}

export function translate(snapshot: Snapshot, options: TranslateOptions = {}): Plan {
  const index = indexSnapshot(snapshot);
  const warnings: string[] = [];
  const portOffset = options.portOffset ?? 0;
  const controllerName = options.controllerName ?? COURIER_CONTROLLER_NAME;
  const decided = (gateway: Gateway) => options.gatewayAddresses?.get(keyOf(gateway.meta));

  const gatewayClasses = [...snapshot.gatewayClasses]
    .filter((gatewayClass) => isOurClass(gatewayClass, controllerName))
    .sort((a, b) => (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0))
    .map((gatewayClass) => gatewayClassStatus(gatewayClass, snapshot.gatewayApiBundle));

  const served = servedGateways(snapshot, index, options, warnings);
  const addresses = new Map(served.map((entry) => [entry, decided(entry.gateway)?.bind ?? defaultBindAddress(entry.gateway)] as const));
  const bindAddress = (entry: ServedGateway) => addresses.get(entry) ?? "0.0.0.0";
  const context: RouteContext = {
    index,
    servedByKey: new Map(served.map((entry) => [namespacedKey(entry.gateway.meta.namespace, entry.gateway.meta.name), entry] as const)),
    bindAddress,
    portOffset,
    warnings,
  };
  const evaluatedRoutes = byKey(snapshot.tlsRoutes).map((route) => evaluateRoute(route, context));
  const candidates = evaluatedRoutes.flatMap((evaluated) => evaluated.candidates);
  const attached = new Map<ServedGateway, Map<string, Set<string>>>();
  for (const evaluated of evaluatedRoutes) {
    for (const { gateway, listenerName } of evaluated.attachedTo) {
      const perListener = attached.get(gateway) ?? new Map<string, Set<string>>();
      attached.set(gateway, perListener);
      perListener.set(listenerName, (perListener.get(listenerName) ?? new Set<string>()).add(keyOf(evaluated.route.meta)));
    }
  }

  const owned = served.flatMap((entry) =>
    entry.listeners
      .filter((evaluated) => evaluated.usable)
      .map((evaluated) => ({
        address: bindAddress(entry),
        port: evaluated.listener.port + portOffset,
        owner: { gateway: keyOf(entry.gateway.meta), listener: evaluated.listener.name },
      })),
  );
  const sockets: SocketAddress[] = owned.map(({ address, port }) => ({ address, port }));
  // An offset that pushes a port past 65535 is an operator error, not the Gateway's:
  // such sockets are left out and named.
  const bindable = (socket: SocketAddress) => socket.port >= 1 && socket.port <= 65535;
  for (const socket of sockets.filter((candidate) => !bindable(candidate))) {
    warnings.push(`port offset ${portOffset} puts a listener on port ${socket.port}, outside 1-65535; not bound`);
  }
  const table = buildPortTable(sockets.filter(bindable), candidates.filter(bindable));
  const ports = table.ports.map((port) => ({
    ...port,
    listeners: owned.filter((socket) => socket.address === port.address && socket.port === port.port).map((socket) => socket.owner),
  }));
  const shadowNotes = new Map<string, string[]>();
  for (const shadow of table.shadowed) {
    const note = `hostname ${shadow.hostname} on ${shadow.address}:${shadow.port} is served by route ${shadow.winnerKey}, which takes precedence`;
    shadowNotes.set(shadow.routeKey, [...(shadowNotes.get(shadow.routeKey) ?? []), note]);
    warnings.push(`TLSRoute ${shadow.routeKey}: ${note}`);
  }

  const routes = evaluatedRoutes.map((evaluated) => routeStatus(evaluated, shadowNotes.get(keyOf(evaluated.route.meta)) ?? [], controllerName));

  const gateways = served.map((entry) =>
    gatewayStatus(
      entry,
      (listenerName) => attached.get(entry)?.get(listenerName)?.size ?? 0,
      decided(entry.gateway)?.status ?? [{ type: "IPAddress", value: bindAddress(entry) }],
    ),
  );

  return { ports, gatewayClasses, gateways, routes, warnings: [...new Set(warnings)] };
}
