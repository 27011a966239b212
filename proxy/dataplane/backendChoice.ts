// Weighted choice of a backendRef for one new connection. Pure: the caller passes
// the random draw and what it knows about endpoint health.
import type { PlannedBackend, PlannedRoute } from "../model/plan.ts";

export type BackendRejectReason =
  /** The draw fell on an invalid backendRef: its share of connections is refused. */
  | "invalid-backend"
  /** Every backendRef has weight 0 (and the route did not opt into fallback). */
  | "no-weighted-backend"
  /** No backend that may take this connection has a usable endpoint. */
  | "no-ready-endpoint";

export type BackendChoice =
  | { readonly kind: "backend"; readonly backend: PlannedBackend }
  | { readonly kind: "reject"; readonly reason: BackendRejectReason };

/**
 * Picks a backend with probability proportional to its weight.
 *
 * - An invalid backendRef keeps its share of the weight; a draw that lands on it is
 *   rejected, as the TLSRoute API asks.
 * - A valid backend without a usable endpoint (none ready, or all failing to connect)
 *   gives up its share to the usable ones: it is a transient state, not a config error.
 * - Weight 0 never receives traffic, except on a route with `settings.fallback`, where
 *   weight-0 backends share connections equally while no weighted backend is usable.
 *
 * @param draw a uniform random number in [0, 1)
 * @param usable whether a valid backend has an endpoint worth trying now
 */
export function chooseBackend(route: PlannedRoute, draw: number, usable: (backend: PlannedBackend) => boolean): BackendChoice {
  let total = 0;
  let anyWeighted = false;
  let anyUsableWeighted = false;
  for (const backend of route.backends) {
    if (backend.weight <= 0) continue;
    anyWeighted = true;
    if (backend.endpoints === undefined) {
      total += backend.weight;
    } else if (usable(backend)) {
      total += backend.weight;
      anyUsableWeighted = true;
    }
  }

  if (!anyUsableWeighted && route.settings.fallback) {
    const fallbacks = route.backends.filter((b) => b.weight <= 0 && b.endpoints !== undefined && usable(b));
    const pick = fallbacks[Math.floor(draw * fallbacks.length)];
    if (pick !== undefined) return { kind: "backend", backend: pick };
  }
  if (!anyWeighted) return { kind: "reject", reason: "no-weighted-backend" };
  if (total === 0) return { kind: "reject", reason: "no-ready-endpoint" };

  let point = draw * total;
  for (const backend of route.backends) {
    if (backend.weight <= 0) continue;
    const counts = backend.endpoints === undefined || usable(backend);
    if (!counts) continue;
    if (point < backend.weight) {
      return backend.endpoints === undefined ? { kind: "reject", reason: "invalid-backend" } : { kind: "backend", backend };
    }
    point -= backend.weight;
  }
  // Only floating-point rounding at the very top of the range gets here: take the last counted one.
  const last = [...route.backends].reverse().find((b) => b.weight > 0 && (b.endpoints === undefined || usable(b)));
  if (last === undefined || last.endpoints === undefined) return { kind: "reject", reason: "invalid-backend" };
  return { kind: "backend", backend: last };
}
