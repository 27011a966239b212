// `courier explain`: where a connection with a given SNI would go, and why every other
// candidate lost. Pure: a Snapshot and the Plan translate() made of it in, a plain
// description out. The Plan decides (its route tables are what the data plane
// serves); the Gateway API steps are replayed only to say why the others lost:
// - hostname precedence: the exact name, then the longest wildcard, then "*";
// - for one hostname, the route of the more specific listener, then the older
//   route, then the first by namespace/name;
// - routes that never attached: allowedRoutes, listener hostname, sectionName/port,
//   a Gateway that is not Courier's;
// - backends: weight 0, an invalid backendRef (missing ReferenceGrant, unknown
//   Service), no ready endpoints.
import { ANY_HOSTNAME, FALLBACK_ANNOTATION, GATEWAY_API_GROUP, compareHostnamePrecedence, hostnameMatches } from "../../contract/index.ts";
import { hostPort } from "../lib/hostPort.ts";
import { buildRouteTable, lookupRoute } from "../dataplane/routeTable.ts";
import type { ListenerRef, Plan, PlannedBackend, PlannedPort, PlannedRoute } from "../model/plan.ts";
import { keyOf, type Gateway, type Snapshot, type TLSRoute } from "../model/snapshot.ts";
import { ConditionType } from "../translate/conditions.ts";
import { evaluateListeners } from "../translate/listeners.ts";
import { compareRoutePrecedence, type HostCandidate } from "../translate/portTable.ts";
import { evaluateParentRef } from "../translate/routeParents.ts";
import { indexSnapshot, namespacedKey } from "../translate/snapshotIndex.ts";

export interface ExplainQuery {
  readonly sni: string;
  /** A Gateway listener port; undefined = every port. */
  readonly port?: number;
}

/** One route that offered a hostname matching the SNI on a socket. */
export interface Candidate {
  readonly route: string;
  readonly hostname: string;
  readonly listener: ListenerRef;
  /** Undefined for the winner; otherwise why it lost. */
  readonly lostBecause?: string;
}

export interface BackendVerdict {
  readonly name: string;
  readonly weight: number;
  /** Share of new connections it takes (0..1), when it takes any. */
  readonly share?: number;
  readonly verdict: string;
  readonly endpoints: readonly string[];
}

export interface SocketExplanation {
  readonly address: string;
  readonly port: number;
  readonly listeners: readonly ListenerRef[];
  /** The route the data plane picks, and through which hostname; undefined = refused (unknown SNI). */
  readonly route?: string;
  readonly hostname?: string;
  readonly candidates: readonly Candidate[];
  readonly backends: readonly BackendVerdict[];
  /** Why a connection would be refused here, if it would. */
  readonly refused?: string;
}

/** A route whose hostnames cover the SNI but that serves it on none of the sockets explained. */
export interface RouteMiss {
  readonly route: string;
  readonly parent: string;
  readonly reason: string;
  readonly message: string;
}

export interface ListenerMiss {
  readonly listener: ListenerRef;
  readonly port: number;
  readonly message: string;
}

export interface Explanation {
  readonly sni: string;
  readonly port?: number;
  readonly sockets: readonly SocketExplanation[];
  readonly routeMisses: readonly RouteMiss[];
  readonly listenerMisses: readonly ListenerMiss[];
  /** A connection would be forwarded on at least one socket. */
  readonly routed: boolean;
}

/** The SNI as the data plane compares it: lowercase, without one trailing dot. */
function normalizeSni(sni: string): string {
  const lower = sni.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

const share = (fraction: number): string => `${Math.round(fraction * 1000) / 10}%`;

/** What each backendRef of the chosen route does with new connections. */
function backendVerdicts(route: PlannedRoute): { readonly backends: BackendVerdict[]; readonly refused?: string } {
  const usable = (b: PlannedBackend): boolean => b.endpoints === undefined || b.endpoints.length > 0;
  const total = route.backends.reduce((sum, b) => sum + (b.weight > 0 && usable(b) ? b.weight : 0), 0);
  const anyWeighted = route.backends.some((b) => b.weight > 0);
  const fallbacks = route.backends.filter((b) => b.weight <= 0 && b.endpoints !== undefined && b.endpoints.length > 0);
  const validWeighted = route.backends.some((b) => b.weight > 0 && b.endpoints !== undefined && b.endpoints.length > 0);
  const fallbackActive = route.settings.fallback && !validWeighted && fallbacks.length > 0;
  const backends = route.backends.map((b): BackendVerdict => {
    const endpoints = (b.endpoints ?? []).map((e) => hostPort(e.host, e.port));
    const base = { name: b.name, weight: b.weight, endpoints };
    if (b.weight <= 0) {
      if (fallbackActive && b.endpoints !== undefined && b.endpoints.length > 0) return { ...base, share: 1 / fallbacks.length, verdict: `fallback: takes ${share(1 / fallbacks.length)} while no weighted backend has a ready endpoint` };
      return { ...base, verdict: route.settings.fallback ? "takes connections only while no weighted backend can (fallback)" : `never receives connections (weight 0, no ${FALLBACK_ANNOTATION} annotation)` };
    }
    if (b.endpoints === undefined) return { ...base, share: b.weight / total, verdict: `invalid (${b.invalidReason ?? "unknown"}): its ${share(b.weight / total)} of connections is refused` };
    if (b.endpoints.length === 0) return { ...base, verdict: "no ready endpoint: its share goes to the other backends" };
    return { ...base, share: fallbackActive ? 0 : b.weight / total, verdict: `takes ${share(b.weight / total)} of connections` };
  });
  if (fallbackActive) return { backends };
  if (!anyWeighted) return { backends, refused: "no-weighted-backend: every backendRef has weight 0" };
  if (total === 0) return { backends, refused: "no-ready-endpoint: no weighted backend has a ready endpoint" };
  if (!validWeighted) return { backends, refused: "invalid-backend: every weighted backendRef is invalid" };
  return { backends };
}

/** Why `loser` lost `hostname` to `winner` on one socket (both offered the same hostname). */
function shadowReason(winner: HostCandidate, loser: HostCandidate): string {
  if (compareHostnamePrecedence(winner.listenerHostname, loser.listenerHostname) !== 0) {
    return `route ${winner.routeKey} takes ${winner.hostname}: its listener's hostname ${winner.listenerHostname} is more specific than ${loser.listenerHostname}`;
  }
  const older = Date.parse(winner.creationTimestamp) < Date.parse(loser.creationTimestamp) || (winner.creationTimestamp !== "" && loser.creationTimestamp === "");
  if (older) return `route ${winner.routeKey} takes ${winner.hostname}: it is older (created ${winner.creationTimestamp}, this one ${loser.creationTimestamp || "without a timestamp"})`;
  return `route ${winner.routeKey} takes ${winner.hostname}: same age, and it comes first by namespace/name`;
}

interface Offer extends HostCandidate {
  readonly listener: ListenerRef;
}

/** Every (route, hostname) an accepted parentRef offers on the sockets of `plan`, matching the SNI. */
function offers(snapshot: Snapshot, plan: Plan, sni: string): { readonly byRoute: Map<string, Offer[]>; readonly all: Offer[] } {
  const index = indexSnapshot(snapshot);
  const listenersOf = new Map<string, ReturnType<typeof evaluateListeners>>();
  const socketOf = (ref: ListenerRef): PlannedPort | undefined => plan.ports.find((p) => p.listeners.some((l) => l.gateway === ref.gateway && l.listener === ref.listener));
  const byRoute = new Map<string, Offer[]>();
  const all: Offer[] = [];
  for (const route of snapshot.tlsRoutes) {
    const routeKey = keyOf(route.meta);
    const status = plan.routes.find((r) => r.key.namespace === route.meta.namespace && r.key.name === route.meta.name);
    for (const ref of route.parentRefs) {
      if (ref.group !== GATEWAY_API_GROUP || ref.kind !== "Gateway") continue;
      const gatewayKey = namespacedKey(ref.namespace ?? route.meta.namespace, ref.name);
      const gateway = index.gateways.get(gatewayKey);
      const parent = status?.parents.find((p) => p.parentRef.name === ref.name && p.parentRef.namespace === ref.namespace && p.parentRef.sectionName === ref.sectionName && p.parentRef.port === ref.port);
      const accepted = parent?.conditions.some((c) => c.type === ConditionType.Accepted && c.status === "True") ?? false;
      if (gateway === undefined || !accepted) continue;
      let listeners = listenersOf.get(gatewayKey);
      if (listeners === undefined) listenersOf.set(gatewayKey, (listeners = evaluateListeners(gateway, true)));
      const verdict = evaluateParentRef(route, ref, gateway, listeners, index.namespaceLabels);
      for (const { listener, hostnames } of verdict.attachments) {
        const listenerRef = { gateway: gatewayKey, listener: listener.listener.name };
        const socket = socketOf(listenerRef);
        if (socket === undefined) continue;
        const planned = socket.hosts.find((h) => h.route.id === routeKey)?.route ?? { id: routeKey, backends: [], settings: { fallback: false } };
        for (const hostname of hostnames) {
          if (!hostnameMatches(hostname, sni)) continue;
          const offer: Offer = {
            address: socket.address,
            port: socket.port,
            hostname,
            listenerHostname: listener.listener.hostname ?? ANY_HOSTNAME,
            routeKey,
            creationTimestamp: route.meta.creationTimestamp,
            route: planned,
            listener: listenerRef,
          };
          all.push(offer);
          byRoute.set(routeKey, [...(byRoute.get(routeKey) ?? []), offer]);
        }
      }
    }
  }
  return { byRoute, all };
}

function explainSocket(port: PlannedPort, sni: string, socketOffers: readonly Offer[]): SocketExplanation {
  const sorted = [...socketOffers].sort((a, b) => compareHostnamePrecedence(a.hostname, b.hostname) || compareRoutePrecedence(a, b));
  const winner = sorted[0];
  // The data plane's own table decides; the replay above only explains it.
  const served = lookupRoute(buildRouteTable(port.hosts), sni);
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  for (const offer of sorted) {
    const key = `${offer.routeKey}\n${offer.hostname}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const base = { route: offer.routeKey, hostname: offer.hostname, listener: offer.listener };
    if (offer === winner) candidates.push(base);
    else if (winner !== undefined && offer.routeKey === winner.routeKey) continue;
    else if (winner !== undefined && offer.hostname !== winner.hostname) candidates.push({ ...base, lostBecause: `${winner.hostname} matches the SNI more specifically than ${offer.hostname}` });
    else if (winner !== undefined) candidates.push({ ...base, lostBecause: shadowReason(winner, offer) });
  }
  const base = { address: port.address, port: port.port, listeners: port.listeners, candidates };
  if (served === undefined) return { ...base, backends: [], refused: "unknown-sni: no hostname on this listener matches" };
  const { backends, refused } = backendVerdicts(served);
  return { ...base, route: served.id, hostname: served.id === winner?.routeKey ? winner.hostname : undefined, backends, ...(refused === undefined ? {} : { refused }) };
}

/** Why routes whose hostnames cover the SNI serve it on none of the explained sockets. */
function routeMisses(snapshot: Snapshot, plan: Plan, sni: string, explained: ReadonlySet<string>, offered: ReadonlyMap<string, Offer[]>, ports: readonly PlannedPort[]): RouteMiss[] {
  const index = indexSnapshot(snapshot);
  const misses: RouteMiss[] = [];
  const ours = new Set(plan.gateways.map((g) => namespacedKey(g.key.namespace ?? "", g.key.name)));
  const covers = (route: TLSRoute): boolean => route.hostnames.length === 0 || route.hostnames.some((h) => hostnameMatches(h, sni));
  for (const route of snapshot.tlsRoutes) {
    const routeKey = keyOf(route.meta);
    if (explained.has(routeKey) || !covers(route)) continue;
    const status = plan.routes.find((r) => r.key.namespace === route.meta.namespace && r.key.name === route.meta.name);
    for (const ref of route.parentRefs) {
      if (ref.group !== GATEWAY_API_GROUP || ref.kind !== "Gateway") continue;
      const gatewayKey = namespacedKey(ref.namespace ?? route.meta.namespace, ref.name);
      const parent = `Gateway ${gatewayKey}${ref.sectionName === undefined ? "" : ` section ${ref.sectionName}`}${ref.port === undefined ? "" : ` port ${ref.port}`}`;
      const gateway: Gateway | undefined = index.gateways.get(gatewayKey);
      if (gateway === undefined) {
        misses.push({ route: routeKey, parent, reason: "NotFound", message: `Gateway ${gatewayKey} not found` });
        continue;
      }
      if (!ours.has(gatewayKey)) {
        misses.push({ route: routeKey, parent, reason: "NotCouriers", message: `GatewayClass ${gateway.gatewayClassName} is not Courier's` });
        continue;
      }
      const parentStatus = status?.parents.find((p) => p.parentRef.name === ref.name && p.parentRef.namespace === ref.namespace && p.parentRef.sectionName === ref.sectionName && p.parentRef.port === ref.port);
      const accepted = parentStatus?.conditions.find((c) => c.type === ConditionType.Accepted);
      if (accepted !== undefined && accepted.status !== "True") {
        misses.push({ route: routeKey, parent, reason: accepted.reason, message: accepted.message });
        continue;
      }
      const routeOffers = offered.get(routeKey) ?? [];
      if (routeOffers.length === 0) {
        misses.push({ route: routeKey, parent, reason: "NoMatchingListenerHostname", message: "accepted, but no listener it attached to admits a hostname matching the SNI" });
      } else if (!routeOffers.some((o) => ports.some((p) => p.address === o.address && p.port === o.port))) {
        misses.push({ route: routeKey, parent, reason: "OtherPort", message: `accepted on ${[...new Set(routeOffers.map((o) => `port ${o.port}`))].join(", ")}, not on the port asked about` });
      }
    }
  }
  return misses;
}

export function explainConnection(snapshot: Snapshot, plan: Plan, query: ExplainQuery): Explanation {
  const sni = normalizeSni(query.sni);
  const ports = plan.ports.filter((p) => query.port === undefined || p.port === query.port);
  const { byRoute, all } = offers(snapshot, plan, sni);
  const sockets = ports.map((port) => explainSocket(port, sni, all.filter((o) => o.address === port.address && o.port === port.port)));
  const explained = new Set(sockets.flatMap((s) => s.candidates.map((c) => c.route)));
  const listenerMisses: ListenerMiss[] = [];
  for (const gateway of plan.gateways) {
    const spec = snapshot.gateways.find((g) => g.meta.namespace === (gateway.key.namespace ?? "") && g.meta.name === gateway.key.name);
    for (const listener of gateway.listeners) {
      const port = spec?.listeners.find((l) => l.name === listener.name)?.port;
      if (port === undefined || (query.port !== undefined && port !== query.port)) continue;
      const programmed = listener.conditions.find((c) => c.type === ConditionType.Programmed);
      if (programmed?.status === "True") continue;
      listenerMisses.push({ listener: { gateway: namespacedKey(gateway.key.namespace ?? "", gateway.key.name), listener: listener.name }, port, message: programmed?.message ?? "not programmed" });
    }
  }
  return {
    sni,
    ...(query.port === undefined ? {} : { port: query.port }),
    sockets,
    routeMisses: routeMisses(snapshot, plan, sni, explained, byRoute, ports),
    listenerMisses,
    routed: sockets.some((s) => s.route !== undefined && s.refused === undefined),
  };
}
