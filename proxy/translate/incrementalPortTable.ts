// buildPortTable() kept up to date instead of rebuilt: between two calls only the
// host candidates that came or went (by identity: an unchanged route keeps its
// candidate objects, see translateMemo.ts) are moved, only the hostnames they touch
// are decided again, and each socket keeps its hostnames in precedence order by
// binary insertion. The result equals buildPortTable() for the same arguments (the
// decision per hostname depends only on which offers it has, not their order);
// a socket none of whose hostnames changed keeps its hosts array.
import { compareBySpecificity, hostnameSpecificity } from "../../contract/index.ts";
import type { PlannedHost } from "../model/plan.ts";
import { compareSockets, decideHostname, socketKey, type HostCandidate, type PortTable, type ShadowedHost, type SocketAddress, type SocketHosts } from "./portTable.ts";

interface HostState {
  readonly hostname: string;
  readonly specificity: { readonly tier: number; readonly labels: number };
  readonly offers: HostCandidate[];
  decided: ReturnType<typeof decideHostname> | null;
}

interface SocketState {
  readonly socket: SocketAddress;
  readonly hosts: Map<string, HostState>;
  /** Hostnames in precedence order. */
  readonly order: HostState[];
  /** The last hosts array handed out; undefined once something changed. */
  built: readonly PlannedHost[] | undefined;
}

function compareHosts(a: HostState, b: HostState): number {
  return compareBySpecificity(a.hostname, a.specificity, b.hostname, b.specificity);
}

/** Index of the first entry not before `host` (binary search over the precedence order). */
function insertionPoint(order: readonly HostState[], host: HostState): number {
  let low = 0;
  let high = order.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareHosts(order[middle]!, host) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

export class IncrementalPortTable {
  private known = new Set<HostCandidate>();
  private readonly sockets = new Map<string, SocketState>();
  /** Each known candidate's socket key, computed once. */
  private readonly keys = new Map<HostCandidate, string>();

  build(sockets: readonly SocketAddress[], candidates: readonly HostCandidate[]): PortTable {
    const next = new Set(candidates);
    for (const candidate of this.known) if (!next.has(candidate)) this.remove(candidate);
    for (const candidate of next) if (!this.known.has(candidate)) this.add(candidate);
    this.known = next;

    // Sockets: every listener's, and every one a candidate names (as buildPortTable).
    const wanted = new Map<string, SocketAddress>();
    for (const socket of sockets) {
      const key = socketKey(socket);
      if (!wanted.has(key)) wanted.set(key, this.sockets.get(key)?.socket ?? { address: socket.address, port: socket.port });
    }
    for (const [key, state] of this.sockets) {
      if (state.order.length === 0 && !wanted.has(key)) this.sockets.delete(key);
      else if (!wanted.has(key)) wanted.set(key, state.socket);
    }
    const shadowed: ShadowedHost[] = [];
    const ports: SocketHosts[] = [...wanted.entries()]
      .sort(([, a], [, b]) => compareSockets(a, b))
      .map(([key, socket]) => {
        const state = this.sockets.get(key);
        if (state === undefined) return { address: socket.address, port: socket.port, hosts: [] };
        const hosts: PlannedHost[] = [];
        for (const host of state.order) {
          if (host.decided === null) host.decided = decideHostname(host.offers);
          const decided = host.decided;
          if (decided === undefined) continue;
          for (const routeKey of decided.losers) shadowed.push({ ...state.socket, hostname: host.hostname, routeKey, winnerKey: decided.winner.routeKey });
          if (state.built === undefined) hosts.push({ hostname: host.hostname, route: decided.winner.route });
        }
        state.built ??= hosts;
        return { address: state.socket.address, port: state.socket.port, hosts: state.built };
      });
    return { ports, shadowed };
  }

  private add(candidate: HostCandidate): void {
    const key = socketKey(candidate);
    this.keys.set(candidate, key);
    let state = this.sockets.get(key);
    if (state === undefined) {
      state = { socket: { address: candidate.address, port: candidate.port }, hosts: new Map(), order: [], built: undefined };
      this.sockets.set(key, state);
    }
    let host = state.hosts.get(candidate.hostname);
    if (host === undefined) {
      host = { hostname: candidate.hostname, specificity: hostnameSpecificity(candidate.hostname), offers: [], decided: null };
      state.hosts.set(candidate.hostname, host);
      state.order.splice(insertionPoint(state.order, host), 0, host);
    }
    host.offers.push(candidate);
    host.decided = null;
    state.built = undefined;
  }

  private remove(candidate: HostCandidate): void {
    const key = this.keys.get(candidate)!;
    this.keys.delete(candidate);
    const state = this.sockets.get(key)!;
    const host = state.hosts.get(candidate.hostname)!;
    host.offers.splice(host.offers.indexOf(candidate), 1);
    host.decided = null;
    state.built = undefined;
    if (host.offers.length > 0) return;
    state.hosts.delete(candidate.hostname);
    state.order.splice(insertionPoint(state.order, host), 1);
  }
}
