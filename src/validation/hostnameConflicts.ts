// Two routes claiming the same hostname on the same port: the proxy keeps one SNI
// table per port (Gateways of one class that share a port are merged), so only one
// of the routes would ever receive those connections. At synth time that is almost
// certainly a mistake; weighted backends in one route are the way to split traffic.

import type { RouteParent } from "../routeOptions.js";
import { invalid } from "./messages.js";
import { admittingListeners, selectListeners } from "./routeParents.js";

/** What a route claims: its identity, namespace, hostnames and parents. */
export interface RouteClaim {
  /** "namespace/name" of the TLSRoute. */
  readonly id: string;
  readonly namespace: string;
  readonly hostnames: readonly string[];
  readonly parents: readonly RouteParent[];
}

/** "<class>|<port>" keys of the sockets the route is served on, from Gateways in the app. */
function servedPorts(route: RouteClaim): Map<string, number> {
  const ports = new Map<string, number>();
  for (const { gateway, options } of route.parents) {
    if (gateway.listeners === undefined) continue;
    const listeners = admittingListeners(gateway, selectListeners(gateway.listeners, options), route.namespace);
    for (const listener of listeners) ports.set(`${gateway.gatewayClassName ?? ""}|${listener.port}`, listener.port);
  }
  return ports;
}

/** Errors for hostnames of `route` already claimed on the same port by one of `earlier`. */
export function checkHostnameConflicts(route: RouteClaim, earlier: readonly RouteClaim[]): string[] {
  const errors: string[] = [];
  const ports = servedPorts(route);
  if (ports.size === 0) return errors;
  for (const other of earlier) {
    if (other.id === route.id) continue;
    const otherPorts = servedPorts(other);
    const shared = [...ports.entries()].filter(([key]) => otherPorts.has(key)).map(([, port]) => port);
    if (shared.length === 0) continue;
    for (const [i, hostname] of route.hostnames.entries()) {
      if (!other.hostnames.includes(hostname)) continue;
      errors.push(
        invalid(
          `spec.hostnames[${i}]`,
          `${JSON.stringify(hostname)} on port ${shared.join(", ")} is also routed by TLSRoute ${other.id}, defined earlier in this app; the proxy keeps one SNI table per port, so only one of the two routes would receive these connections`,
          "give each route its own hostname, or put both sets of backends in one route and split traffic with weights",
        ),
      );
    }
  }
  return errors;
}
