// What the data plane learns about endpoints at run time: how many connections each
// holds, which recently refused a connection (passive health), and which fail their
// active health checks (a set the checker hands over). Shared by all listeners.
import { hostPort } from "../lib/hostPort.ts";
import type { EndpointAddress } from "../model/plan.ts";

/** How long an endpoint that refused a connection is passed over. */
export const DEFAULT_FAILURE_COOLDOWN_MS = 2_000;

/** Keys by endpoint object: made once per endpoint of a Plan, not on every look-up of every connection. */
const keys = new WeakMap<EndpointAddress, string>();

export function endpointKey(endpoint: EndpointAddress): string {
  let key = keys.get(endpoint);
  if (key === undefined) keys.set(endpoint, (key = hostPort(endpoint.host, endpoint.port)));
  return key;
}

export class EndpointState {
  private readonly active = new Map<string, number>();
  private readonly failedUntil = new Map<string, number>();
  private rotation = 0;
  private activelyUnhealthy: ReadonlySet<string> = new Set();
  /** Endpoints picked although failing their health checks, because nothing better was left. */
  overrides = 0;

  constructor(private readonly cooldownMs: number = DEFAULT_FAILURE_COOLDOWN_MS) {}

  connected(key: string): void {
    this.active.set(key, (this.active.get(key) ?? 0) + 1);
    this.failedUntil.delete(key);
  }

  disconnected(key: string): void {
    const count = (this.active.get(key) ?? 0) - 1;
    if (count > 0) this.active.set(key, count);
    else this.active.delete(key);
  }

  failed(key: string, now: number): void {
    this.failedUntil.set(key, now + this.cooldownMs);
  }

  /** The endpoints failing their active health checks now (replaces the previous set). */
  setActivelyUnhealthy(keys: ReadonlySet<string>): void {
    this.activelyUnhealthy = keys;
  }

  /** false while the endpoint fails its active health checks (always true without checks). */
  activelyHealthy(key: string): boolean {
    return !this.activelyUnhealthy.has(key);
  }

  /** Passive health only: false while ejected after a refused connect. */
  healthy(key: string, now: number): boolean {
    const until = this.failedUntil.get(key);
    if (until === undefined) return true;
    if (until > now) return false;
    this.failedUntil.delete(key);
    return true;
  }

  /** Connections the endpoint holds now. */
  activeCount(key: string): number {
    return this.active.get(key) ?? 0;
  }

  hasHealthy(endpoints: readonly EndpointAddress[], now: number): boolean {
    return endpoints.some((e) => this.usable(endpointKey(e), now));
  }

  /** Neither ejected nor failing its health checks. */
  private usable(key: string, now: number): boolean {
    return this.healthy(key, now) && !this.activelyUnhealthy.has(key);
  }

  /**
   * Least active connections among usable endpoints (neither ejected nor failing
   * their health checks) not yet tried for this connection; ties go round-robin so
   * that idle endpoints share new connections. When no untried endpoint is usable,
   * one is tried anyway, like Envoy's panic mode: a refused connect is cheap, the
   * cooldown may be stale, and checks that fail everywhere more likely misjudge than
   * a whole backend is down. Such a pick of a failing endpoint counts in `overrides`.
   */
  pick(endpoints: readonly EndpointAddress[], tried: ReadonlySet<string>, now: number): EndpointAddress | undefined {
    const n = endpoints.length;
    if (n === 0) return undefined;
    const start = this.rotation++ % n;
    let best: EndpointAddress | undefined;
    let bestLoad = Infinity;
    let fallback: EndpointAddress | undefined;
    for (let i = 0; i < n; i++) {
      const endpoint = endpoints[(start + i) % n]!;
      const key = endpointKey(endpoint);
      if (tried.has(key)) continue;
      if (!this.usable(key, now)) {
        fallback ??= endpoint;
        continue;
      }
      const load = this.active.get(key) ?? 0;
      if (load < bestLoad) {
        best = endpoint;
        bestLoad = load;
      }
    }
    if (best !== undefined) return best;
    if (fallback !== undefined && this.activelyUnhealthy.has(endpointKey(fallback))) this.overrides++;
    return fallback;
  }
}
