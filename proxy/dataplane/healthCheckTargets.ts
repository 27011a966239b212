// What the active health checker probes, read off the Plan: every endpoint of every
// route that asked for checks, with the SNI its TLS check sends. Pure.
//
// One probe serves every route that would send the same check to the same endpoint:
// targets are deduplicated per (endpoint, kind, SNI), and the first route in
// configuration order sets the timing. An endpoint reached by several routes with
// different SNIs or kinds gets one target each; it counts as unhealthy while any of
// them fails (see ActiveHealthChecker).
import type { HealthCheckSettings } from "../../contract/index.ts";
import type { EndpointAddress, PlannedPort, PlannedRoute } from "../model/plan.ts";
import { endpointKey } from "./endpointState.ts";

/** Stands in for the "*" of a wildcard hostname, which no client can send as an SNI. */
export const WILDCARD_LABEL = "courier-health-check";

export interface HealthCheckTarget {
  /** Identity of the probe: "host:port|kind|sni". */
  readonly key: string;
  /** The endpoint's key in the data plane ("host:port"). */
  readonly endpointKey: string;
  readonly endpoint: EndpointAddress;
  /** The server_name a TLS check sends; undefined for TCP checks and routes that match any SNI. */
  readonly sni: string | undefined;
  readonly settings: HealthCheckSettings;
}

/**
 * The SNI a route's checks send: its first exact hostname, else its first wildcard
 * with the "*" replaced by WILDCARD_LABEL, else none (a route for any SNI).
 */
export function probeServerName(hostnames: readonly string[]): string | undefined {
  const exact = hostnames.find((h) => h !== "*" && !h.startsWith("*."));
  if (exact !== undefined) return exact;
  const wildcard = hostnames.find((h) => h.startsWith("*."));
  return wildcard === undefined ? undefined : `${WILDCARD_LABEL}${wildcard.slice(1)}`;
}

/** Every probe the Plan asks for, in configuration order. */
export function healthCheckTargets(ports: readonly PlannedPort[]): HealthCheckTarget[] {
  // A route serves several hostnames, possibly on several sockets: gather them first.
  const routes = new Map<string, { route: PlannedRoute; hostnames: string[] }>();
  for (const port of ports) {
    for (const { hostname, route } of port.hosts) {
      if (route.settings.healthCheck === undefined) continue;
      const entry = routes.get(route.id) ?? { route, hostnames: [] };
      routes.set(route.id, entry);
      entry.hostnames.push(hostname);
    }
  }
  const targets = new Map<string, HealthCheckTarget>();
  for (const { route, hostnames } of routes.values()) {
    const settings = route.settings.healthCheck!;
    const sni = settings.kind === "tls" ? probeServerName(hostnames) : undefined;
    for (const backend of route.backends) {
      for (const endpoint of backend.endpoints ?? []) {
        const address = endpointKey(endpoint);
        const key = `${address}|${settings.kind}|${sni ?? ""}`;
        if (!targets.has(key)) targets.set(key, { key, endpointKey: address, endpoint, sni, settings });
      }
    }
  }
  return [...targets.values()];
}
