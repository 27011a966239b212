// What the data plane knows about each backend's endpoints right now: the passive
// health kept in EndpointState (an endpoint that refused a connection is ejected for
// a moment) and the connections each holds. Read when /metrics is scraped and when
// the admin page is rendered, never per connection.
import { MAX_BACKEND_SERIES, METRIC } from "../../contract/index.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { PlannedPort } from "../model/plan.ts";
import { endpointKey, type EndpointState } from "./endpointState.ts";

export interface EndpointHealth {
  /** "host:port". */
  readonly address: string;
  /** false while ejected after a refused or timed-out connect. */
  readonly healthy: boolean;
  readonly active: number;
}

export interface BackendHealth {
  /** The backend's name as in logs and metrics, e.g. "Service default/db:5432". */
  readonly backend: string;
  /** Why the backendRef is invalid; its endpoints are then empty. */
  readonly invalidReason?: string;
  readonly endpoints: readonly EndpointHealth[];
}

/** Each backend of the configuration once (by name), in configuration order. */
export function endpointHealth(ports: readonly PlannedPort[], state: EndpointState, now: number): BackendHealth[] {
  const seen = new Map<string, BackendHealth>();
  for (const port of ports) {
    for (const { route } of port.hosts) {
      for (const backend of route.backends) {
        if (seen.has(backend.name)) continue;
        const endpoints = (backend.endpoints ?? []).map((endpoint) => {
          const address = endpointKey(endpoint);
          return { address, healthy: state.healthy(address, now), active: state.activeCount(address) };
        });
        seen.set(backend.name, { backend: backend.name, ...(backend.invalidReason === undefined ? {} : { invalidReason: backend.invalidReason }), endpoints });
      }
    }
  }
  return [...seen.values()];
}

const HELP = "Endpoints of each backend by state: ready, or ejected (refused or timed out a connect within the last seconds).";

/** courier_backend_endpoints{backend, state}, set afresh (backends that left disappear), capped like the route series. */
export function setEndpointGauges(metrics: Metrics, health: readonly BackendHealth[]): void {
  metrics.clear(METRIC.backendEndpoints);
  for (const backend of health.slice(0, MAX_BACKEND_SERIES)) {
    if (backend.invalidReason !== undefined) continue;
    const ejected = backend.endpoints.filter((e) => !e.healthy).length;
    metrics.set(METRIC.backendEndpoints, HELP, backend.endpoints.length - ejected, { backend: backend.backend, state: "ready" });
    metrics.set(METRIC.backendEndpoints, HELP, ejected, { backend: backend.backend, state: "ejected" });
  }
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
        entry.endpoints.set(endpoint.address, seen === undefined ? endpoint : { address: endpoint.address, healthy: seen.healthy && endpoint.healthy, active: seen.active + endpoint.active });
      }
    }
  }
  return [...merged.values()].map(({ backend, endpoints }) => ({ ...backend, endpoints: [...endpoints.values()] }));
}
