// Attached routes -> the listening sockets and their hostname tables. All listeners
// of all of Courier's Gateways that share a bind address and port become ONE socket,
// so hostnames are de-conflicted across Gateways here.
//
// Listener conflicts (Conflicted=True) are judged per Gateway, as the spec requires.
// Across Gateways that share a socket (the usual case: one proxy address serves every
// Gateway), refusing whole listeners would take down unrelated Gateways that merely
// both listen on 443 without a hostname; instead each hostname goes to exactly one
// route, and every route that lost one is told so in its Accepted message and in a
// Plan warning.

import { compareBySpecificity, compareHostnamePrecedence, hostnameSpecificity } from "../../contract/index.ts";
import type { PlannedHost, PlannedPort, PlannedRoute } from "../model/plan.ts";

export interface SocketAddress {
  readonly address: string;
  readonly port: number;
}

/** A socket and its de-conflicted hostnames: a PlannedPort before its listeners are named. */
export type SocketHosts = Omit<PlannedPort, "listeners">;

/** One route offering to serve one hostname on one socket. */
export interface HostCandidate extends SocketAddress {
  readonly hostname: string;
  /** The listener's hostname ("*" for none) that admitted the route. */
  readonly listenerHostname: string;
  /** "namespace/name" of the route. */
  readonly routeKey: string;
  readonly creationTimestamp: string;
  readonly route: PlannedRoute;
}

/** A route that offered a hostname another route won. */
export interface ShadowedHost extends SocketAddress {
  readonly routeKey: string;
  readonly hostname: string;
  readonly winnerKey: string;
}

export interface PortTable {
  readonly ports: readonly SocketHosts[];
  readonly shadowed: readonly ShadowedHost[];
}

export function socketKey(socket: SocketAddress): string {
  return `${socket.address}|${socket.port}`;
}

function timestampOrder(timestamp: string): number {
  const parsed = Date.parse(timestamp);
  // No timestamp (hand-written files): ranks after every dated route.
  return Number.isNaN(parsed) ? Number.POSITIVE_INFINITY : parsed;
}

/**
 * Who serves one hostname on one socket. First the most specific listener: an SNI
 * is matched to a listener before any route (foo.example.com goes to a listener
 * "foo.example.com" rather than to one for "*.example.com"). Then the Gateway API
 * conflict rule: the oldest route (creationTimestamp), then "namespace/name".
 * Different hostnames never conflict: lookup picks the most specific at connection time.
 */
export function compareRoutePrecedence(a: HostCandidate, b: HostCandidate): number {
  const byListener = compareHostnamePrecedence(a.listenerHostname, b.listenerHostname);
  if (byListener !== 0) return byListener;
  const byAge = timestampOrder(a.creationTimestamp) - timestampOrder(b.creationTimestamp);
  if (byAge !== 0 && !Number.isNaN(byAge)) return byAge;
  return a.routeKey < b.routeKey ? -1 : a.routeKey > b.routeKey ? 1 : 0;
}

export function compareSockets(a: SocketAddress, b: SocketAddress): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  return a.port - b.port;
}

/** One hostname on one socket: the offer that serves it, and the other routes that offered it. */
export function decideHostname(offers: readonly HostCandidate[]): { readonly winner: HostCandidate; readonly losers: readonly string[] } | undefined {
  const [winner, ...others] = [...offers].sort(compareRoutePrecedence);
  if (winner === undefined) return undefined;
  // A route reaching one socket through several listeners offers more than once.
  const losers = new Set(others.map((offer) => offer.routeKey).filter((routeKey) => routeKey !== winner.routeKey));
  return { winner, losers: [...losers] };
}

export function buildPortTable(sockets: readonly SocketAddress[], candidates: readonly HostCandidate[]): PortTable {
  const hostsBySocket = new Map<string, Map<string, HostCandidate[]>>();
  const socketByKey = new Map<string, SocketAddress>();
  for (const socket of [...sockets, ...candidates]) {
    const key = socketKey(socket);
    if (!socketByKey.has(key)) socketByKey.set(key, { address: socket.address, port: socket.port });
    if (!hostsBySocket.has(key)) hostsBySocket.set(key, new Map());
  }
  for (const candidate of candidates) {
    const byHostname = hostsBySocket.get(socketKey(candidate));
    if (byHostname === undefined) continue;
    const offers = byHostname.get(candidate.hostname) ?? [];
    offers.push(candidate);
    byHostname.set(candidate.hostname, offers);
  }
  const shadowed: ShadowedHost[] = [];
  const ports: SocketHosts[] = [...socketByKey.entries()]
    .sort(([, a], [, b]) => compareSockets(a, b))
    .map(([key, socket]) => {
      const byHostname = hostsBySocket.get(key) ?? new Map<string, HostCandidate[]>();
      // Specificity computed once per hostname, not once per comparison.
      const hosts: PlannedHost[] = [...byHostname.entries()]
        .map(([hostname, offers]) => ({ hostname, offers, specificity: hostnameSpecificity(hostname) }))
        .sort((a, b) => compareBySpecificity(a.hostname, a.specificity, b.hostname, b.specificity))
        .flatMap(({ hostname, offers }) => {
          const decided = decideHostname(offers);
          if (decided === undefined) return [];
          for (const routeKey of decided.losers) {
            shadowed.push({ ...socket, hostname, routeKey, winnerKey: decided.winner.routeKey });
          }
          return [{ hostname, route: decided.winner.route }];
        });
      return { address: socket.address, port: socket.port, hosts };
    });
  return { ports, shadowed };
}
