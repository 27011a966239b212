// What the data plane learns about endpoints at run time: how many connections each
// holds, and which recently refused a connection. Shared by all listeners.
import { hostPort } from "../lib/hostPort.ts";
import type { EndpointAddress } from "../model/plan.ts";

/** How long an endpoint that refused a connection is passed over. */
export const DEFAULT_FAILURE_COOLDOWN_MS = 2_000;

export function endpointKey(endpoint: EndpointAddress): string {
  return hostPort(endpoint.host, endpoint.port);
}

export class EndpointState {
  private readonly active = new Map<string, number>();
  private readonly failedUntil = new Map<string, number>();
  private rotation = 0;

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
    return endpoints.some((e) => this.healthy(endpointKey(e), now));
  }

  /**
   * Least active connections among healthy endpoints not yet tried for this
   * connection; ties go round-robin so that idle endpoints share new connections.
   * When every untried endpoint is cooling down, they are tried anyway: a refused
   * connect is cheap and the cooldown may be stale.
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
      if (!this.healthy(key, now)) {
        fallback ??= endpoint;
        continue;
      }
      const load = this.active.get(key) ?? 0;
      if (load < bestLoad) {
        best = endpoint;
        bestLoad = load;
      }
    }
    return best ?? fallback;
  }
}
