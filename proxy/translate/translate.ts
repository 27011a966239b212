// translate(snapshot) -> Plan: all Gateway API semantics, as one pure and
// deterministic function (same Snapshot, in any order, gives the same Plan).
// Each step lives in its own module; this file only wires them together.

import type { BackendProblem } from "./backends.ts";
import { ConditionType, RouteReason, condition } from "./conditions.ts";
import { gatewayClassStatus, classVerdict, isOurClass } from "./gatewayClasses.ts";
import { gatewayStatus, type ServedGateway } from "./gateways.ts";
import { COURIER_CONTROLLER_NAME } from "../../contract/index.ts";
import { hostPort } from "../lib/hostPort.ts";
import { evaluateListeners } from "./listeners.ts";
import { type Condition, type ParentRefPlan, type Plan, type RouteParentStatusPlan, type RouteStatusPlan } from "../model/plan.ts";
import { buildPortTable, type SocketAddress } from "./portTable.ts";
import { evaluateRoute, type EvaluatedRoute, type RouteContext } from "./routeEvaluation.ts";
import { keyOf, type Gateway, type ObjectMeta, type ParentRef, type Snapshot } from "../model/snapshot.ts";
import { indexSnapshot, namespacedKey, type SnapshotIndex } from "./snapshotIndex.ts";
import type { TranslateMemo, WorldState } from "./translateMemo.ts";

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

/** keyOf() per object, computed once: Snapshot objects are immutable and often outlive many translations. */
const keys = new WeakMap<object, string>();
function cachedKey(item: { readonly meta: ObjectMeta }): string {
  let key = keys.get(item);
  if (key === undefined) keys.set(item, (key = keyOf(item.meta)));
  return key;
}

function byKey<T extends { readonly meta: ObjectMeta }>(items: readonly T[]): readonly T[] {
  // Snapshot lists usually arrive sorted already (both sources sort them): one pass.
  let sorted = true;
  for (let i = 1; i < items.length && sorted; i++) sorted = cachedKey(items[i - 1]!) <= cachedKey(items[i]!);
  if (sorted) return items;
  return [...items].sort((a, b) => {
    const ka = cachedKey(a);
    const kb = cachedKey(b);
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

const NO_NOTES: readonly string[] = [];

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

/**
 * `memo`: reuse what the previous call on the same memo computed from the same
 * inputs (translateMemo.ts); the Plan is the same with or without it.
 */
export function translate(snapshot: Snapshot, options: TranslateOptions = {}, memo?: TranslateMemo): Plan {
  const index = indexSnapshot(snapshot);
  const warnings: string[] = [];
  const portOffset = options.portOffset ?? 0;
  const controllerName = options.controllerName ?? COURIER_CONTROLLER_NAME;
  const decided = (gateway: Gateway) => options.gatewayAddresses?.get(keyOf(gateway.meta));

  const gatewayClasses = [...snapshot.gatewayClasses]
    .filter((gatewayClass) => isOurClass(gatewayClass, controllerName))
    .sort((a, b) => (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0))
    .map((gatewayClass) => gatewayClassStatus(gatewayClass, snapshot.gatewayApiBundle));

  const fresh = servedGateways(snapshot, index, options, warnings);
  const freshBinds = new Map(fresh.map((entry) => [entry, decided(entry.gateway)?.bind ?? defaultBindAddress(entry.gateway)] as const));
  const world: WorldState = {
    world: {
      gateways: snapshot.gateways,
      gatewayClasses: snapshot.gatewayClasses,
      referenceGrants: snapshot.referenceGrants,
      namespaces: snapshot.namespaces,
      portOffset,
      controllerName,
      assumeClassesOurs: options.assumeClassesOurs === true,
      binds: [...freshBinds].map(([entry, bind]) => `${keyOf(entry.gateway.meta)}=${bind}`).join(","),
    },
    served: fresh,
    binds: freshBinds,
  };
  // The same world as last time: the served Gateways of last time, so that
  // remembered route evaluations (which point at them) still fit.
  const current = memo?.world(world) ?? world;
  const { served, binds } = current;
  const bindAddress = (entry: ServedGateway) => binds.get(entry) ?? "0.0.0.0";
  const context: RouteContext = {
    index,
    servedByKey: new Map(served.map((entry) => [namespacedKey(entry.gateway.meta.namespace, entry.gateway.meta.name), entry] as const)),
    bindAddress,
    portOffset,
  };
  const evaluatedRoutes = byKey(snapshot.tlsRoutes).map((route) =>
    memo === undefined ? evaluateRoute(route, context) : memo.route(route, current, index, () => evaluateRoute(route, context)),
  );
  for (const evaluated of evaluatedRoutes) warnings.push(...evaluated.warnings);
  const candidates = evaluatedRoutes.flatMap((evaluated) => evaluated.candidates);
  // Routes per listener: each route lists a listener at most once.
  const attached = new Map<ServedGateway, Map<string, number>>();
  for (const evaluated of evaluatedRoutes) {
    for (const { gateway, listenerName } of evaluated.attachedTo) {
      let perListener = attached.get(gateway);
      if (perListener === undefined) attached.set(gateway, (perListener = new Map<string, number>()));
      perListener.set(listenerName, (perListener.get(listenerName) ?? 0) + 1);
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
  const table = (memo === undefined ? buildPortTable : memo.portTable.build.bind(memo.portTable))(sockets.filter(bindable), candidates.filter(bindable));
  const ports = table.ports.map((port) => ({
    ...port,
    listeners: owned.filter((socket) => socket.address === port.address && socket.port === port.port).map((socket) => socket.owner),
  }));
  const shadowNotes = new Map<string, string[]>();
  for (const shadow of table.shadowed) {
    const note = `hostname ${shadow.hostname} on ${hostPort(shadow.address, shadow.port)} is served by route ${shadow.winnerKey}, which takes precedence`;
    shadowNotes.set(shadow.routeKey, [...(shadowNotes.get(shadow.routeKey) ?? []), note]);
    warnings.push(`TLSRoute ${shadow.routeKey}: ${note}`);
  }

  const routes = evaluatedRoutes.map((evaluated) => {
    const notes = shadowNotes.get(evaluated.routeKey) ?? NO_NOTES;
    return memo === undefined ? routeStatus(evaluated, notes, controllerName) : memo.status(evaluated, notes, controllerName, () => routeStatus(evaluated, notes, controllerName));
  });

  const gateways = served.map((entry) =>
    gatewayStatus(
      entry,
      (listenerName) => attached.get(entry)?.get(listenerName) ?? 0,
      decided(entry.gateway)?.status ?? [{ type: "IPAddress", value: bindAddress(entry) }],
    ),
  );

  return { ports, gatewayClasses, gateways, routes, warnings: [...new Set(warnings)] };
}
