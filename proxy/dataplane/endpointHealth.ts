// What the data plane knows about each backend's endpoints right now: the passive
// health kept in EndpointState (an endpoint that refused a connection is ejected for
// a moment), the active one (failing its health checks, when its routes ask for
// them) and the connections each holds. Read when /metrics is scraped and when
// the admin page is rendered, never per connection.
import { MAX_BACKEND_SERIES, METRIC } from "../../contract/index.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { PlannedRoute } from "../model/plan.ts";
import { endpointKey, type EndpointState } from "./endpointState.ts";

export interface EndpointHealth {
  /** "host:port". */
  readonly address: string;
  /** false while ejected after a refused or timed-out connect. */
  readonly healthy: boolean;
  /** Active health checks: "off" when no route through it asks for them. */
  readonly check: "off" | "passing" | "failing";
  readonly active: number;
}

export interface BackendHealth {
  /** The backend's name as in logs and metrics, e.g. "Service default/db:5432". */
  readonly backend: string;
  /** Why the backendRef is invalid; its endpoints are then empty. */
  readonly invalidReason?: string;
  readonly endpoints: readonly EndpointHealth[];
}

/** Each backend of the configuration's routes once (by name), in configuration order. */
export function endpointHealth(routes: readonly PlannedRoute[], state: EndpointState, now: number): BackendHealth[] {
  const checked = checkedEndpoints(routes);
  const seen = new Map<string, BackendHealth>();
  for (const route of routes) {
    for (const backend of route.backends) {
      if (seen.has(backend.name)) continue;
      const endpoints = (backend.endpoints ?? []).map((endpoint): EndpointHealth => {
        const address = endpointKey(endpoint);
        const check = !checked.has(address) ? "off" : state.activelyHealthy(address) ? "passing" : "failing";
        return { address, healthy: state.healthy(address, now), check, active: state.activeCount(address) };
      });
      seen.set(backend.name, { backend: backend.name, ...(backend.invalidReason === undefined ? {} : { invalidReason: backend.invalidReason }), endpoints });
    }
  }
  return [...seen.values()];
}

/** Endpoints some route checks actively (any route: the checker's verdict is per endpoint). */
function checkedEndpoints(routes: readonly PlannedRoute[]): Set<string> {
  const keys = new Set<string>();
  for (const route of routes) {
    if (route.settings.healthCheck === undefined) continue;
    for (const backend of route.backends) for (const endpoint of backend.endpoints ?? []) keys.add(endpointKey(endpoint));
  }
  return keys;
}

const HELP = "Endpoints of each backend by state: ready; unhealthy (failing active health checks); ejected (refused or timed out a connect within the last seconds).";

/** courier_backend_endpoints{backend, state}, set afresh (backends that left disappear), capped like the route series. */
export function setEndpointGauges(metrics: Metrics, health: readonly BackendHealth[]): void {
  metrics.clear(METRIC.backendEndpoints);
  for (const backend of health.slice(0, MAX_BACKEND_SERIES)) {
    if (backend.invalidReason !== undefined) continue;
    // Each endpoint counts once: failing checks is the lasting state, so it comes first.
    const unhealthy = backend.endpoints.filter((e) => e.check === "failing").length;
    const ejected = backend.endpoints.filter((e) => e.check !== "failing" && !e.healthy).length;
    metrics.set(METRIC.backendEndpoints, HELP, backend.endpoints.length - unhealthy - ejected, { backend: backend.backend, state: "ready" });
    metrics.set(METRIC.backendEndpoints, HELP, ejected, { backend: backend.backend, state: "ejected" });
    metrics.set(METRIC.backendEndpoints, HELP, unhealthy, { backend: backend.backend, state: "unhealthy" });
  }
}

function mergedEndpoint(a: EndpointHealth, b: EndpointHealth): EndpointHealth {
  // Every worker gets the same verdicts from the one checker; failing wins should two differ for a moment.
  const check = a.check === "failing" || b.check === "failing" ? "failing" : b.check;
  return { address: a.address, healthy: a.healthy && b.healthy, check, active: a.active + b.active };
}

/**
 * One view of several data planes' health (one per worker): an endpoint is ejected
 * if any worker ejected it, its open connections are summed. Backends keep the order
 * of the first list.
 */
export function mergeBackendHealth(lists: readonly (readonly BackendHealth[])[]): BackendHealth[] {
  const merged = new Map<string, { backend: BackendHealth; endpoints: Map<string, EndpointHealth> }>();
  for (const list of lists) {
    for (const backend of list) {
      let entry = merged.get(backend.backend);
      if (entry === undefined) merged.set(backend.backend, (entry = { backend, endpoints: new Map() }));
      for (const endpoint of backend.endpoints) {
        const seen = entry.endpoints.get(endpoint.address);
        entry.endpoints.set(endpoint.address, seen === undefined ? endpoint : mergedEndpoint(seen, endpoint));
      }
    }
  }
  return [...merged.values()].map(({ backend, endpoints }) => ({ ...backend, endpoints: [...endpoints.values()] }));
}
