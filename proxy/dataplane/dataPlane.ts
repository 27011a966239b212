// The data plane: one Bun.listen per planned (address, port), each with a route
// table that a new Plan replaces in one assignment. Listeners and connections are
// independent: a configuration change never touches an established connection.
import type { SocketHandler, TCPSocketListener, TCPSocketListenOptions } from "bun";
import { AccessLog } from "./accessLog.ts";
import { BackendMetrics } from "./backendMetrics.ts";
import { Connection } from "./connection.ts";
import type { ConnectionContext, ListenerState, LiveConnection, UpstreamLink } from "./connectionContext.ts";
import { listenerMetrics } from "./connectionMetrics.ts";
import { EndpointState } from "./endpointState.ts";
import { endpointHealth, type BackendHealth } from "./endpointHealth.ts";
import { PendingHelloCaps } from "./pendingHelloCaps.ts";
import { METRIC, type Limits } from "../../contract/index.ts";
import { clientAddress, hostPort } from "../lib/hostPort.ts";
import type { Logger } from "../lib/log.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { PlannedRoute, SocketFailure } from "../model/plan.ts";
import type { PortShape, PreparedPort } from "./preparedPort.ts";

const SWEEP_INTERVAL_MS = 250;
const OVERRIDES_HELP = "Connections sent to an endpoint failing its health checks because no endpoint the route could use was passing them.";

interface OpenListener {
  readonly socket: TCPSocketListener<Connection | undefined>;
  readonly state: ListenerState;
}

const upstreamHandlers: SocketHandler<UpstreamLink> = {
  open(socket) {
    if (!socket.data.live) return socket.terminate();
    socket.data.connection.onUpstreamOpen(socket);
  },
  connectError(socket, error) {
    if (socket.data.live) socket.data.connection.onUpstreamConnectFailed(errorCode(error));
  },
  data(socket, chunk) {
    if (socket.data.live) socket.data.connection.onUpstreamData(chunk);
  },
  drain(socket) {
    if (socket.data.live) socket.data.connection.onUpstreamDrain();
  },
  end(socket) {
    if (socket.data.live) socket.data.connection.onUpstreamEnd();
  },
  close(socket, error) {
    if (socket.data.live) socket.data.connection.onUpstreamClose(error !== undefined);
  },
  error() {
    // close follows with the error; nothing to do twice.
  },
};

function errorCode(error: Error): string {
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === "string" ? code.toLowerCase() : "error";
}

/** Data-plane settings that are not connection limits. */
export interface DataPlaneOptions {
  /** Access-log records per second (bursts of one second's worth); 0 = unlimited. */
  readonly accessLogRate: number;
  /** Bind with SO_REUSEPORT, so that the other workers' data planes can bind the same ports. */
  readonly reusePort: boolean;
}

export class DataPlane {
  readonly ctx: ConnectionContext;
  private readonly listeners = new Map<string, OpenListener>();
  private readonly sweeper: ReturnType<typeof setInterval>;
  private readonly backendMetrics: BackendMetrics;
  private ports: readonly PreparedPort[] = [];

  constructor(limits: Limits, log: Logger, metrics: Metrics, private readonly options: DataPlaneOptions = { accessLogRate: 0, reusePort: false }, random: () => number = Math.random) {
    const now = Date.now();
    this.ctx = {
      limits,
      log,
      metrics,
      random,
      endpoints: new EndpointState(),
      clock: { now },
      upstreamHandlers,
      live: new Set(),
      accessLog: new AccessLog(log, metrics, options.accessLogRate, now),
      pending: new PendingHelloCaps(limits.maxPendingHellosPerClient, limits.maxPendingHellos),
      backendStats: new Map(),
    };
    this.backendMetrics = new BackendMetrics(metrics);
    // Read when scraped: picks of an endpoint failing its checks because none passed.
    metrics.onScrape(() => {
      metrics.counter(METRIC.healthCheckOverrides, OVERRIDES_HELP).value = this.ctx.endpoints.overrides;
    });
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
  }

  get activeConnections(): number {
    return this.ctx.live.size;
  }

  /** The endpoints failing their active health checks (from the checker, wherever it runs). */
  setActivelyUnhealthy(keys: ReadonlySet<string>): void {
    this.ctx.endpoints.setActivelyUnhealthy(keys);
  }

  /** Every backend of the configuration with its endpoints' passive and active health now. */
  endpointHealth(): BackendHealth[] {
    return endpointHealth(this.routes(), this.ctx.endpoints, Date.now());
  }

  /** Every route of the configuration, each once per port, in configuration order. */
  private routes(): PlannedRoute[] {
    return this.ports.flatMap((port) => port.routes);
  }

  /** The open connections, oldest first, at most `limit` of them (the admin page). */
  liveConnections(limit: number): LiveConnection[] {
    const now = this.ctx.clock.now;
    const out: LiveConnection[] = [];
    for (const connection of this.ctx.live) {
      if (out.length >= limit) break;
      out.push(connection.describe(now));
    }
    return out;
  }

  /** The ports actually bound, keyed "address:port" ("[v6]:port"; tests bind port 0). */
  boundPorts(): ReadonlyMap<string, number> {
    return new Map([...this.listeners].map(([key, l]) => [key, l.socket.port]));
  }

  /**
   * Makes the listeners and route tables match the plan (its ports prepared: tables
   * built beforehand, so this is a few assignments per port). Returns the sockets it
   * could not bind. `bindPorts` gives the port to bind for a planned "address:0" that
   * another worker already bound (listeners stay keyed by the planned port).
   */
  apply(ports: readonly PreparedPort[], bindPorts: ReadonlyMap<string, number> = new Map()): SocketFailure[] {
    const failures: SocketFailure[] = [];
    const wanted = new Set<string>();
    this.ports = ports;
    this.ctx.backendStats = this.backendMetrics.forRoutes(this.routes());
    for (const { shape: planned, table } of ports) {
      const key = hostPort(planned.address, planned.port);
      wanted.add(key);
      const existing = this.listeners.get(key);
      if (existing !== undefined) {
        existing.state.table = table;
        continue;
      }
      try {
        this.listeners.set(key, this.listen(planned, bindPorts.get(key) ?? planned.port, table));
      } catch (error) {
        failures.push({ address: planned.address, port: planned.port, message: (error as Error).message });
      }
    }
    for (const [key, listener] of this.listeners) {
      if (wanted.has(key)) continue;
      // Stop accepting; connections already forwarded through it keep flowing.
      listener.socket.stop(false);
      this.listeners.delete(key);
    }
    return failures;
  }

  private listen(planned: PortShape, port: number, table: OpenListener["state"]["table"]): OpenListener {
    const ctx = this.ctx;
    const name = hostPort(planned.address, planned.port);
    const state: ListenerState = { table, name, active: 0, metrics: listenerMetrics(ctx.metrics, name) };
    const max = ctx.limits.maxConnectionsPerListener;
    // Bun.listen takes reusePort (SO_REUSEPORT) though its type does not say so yet.
    const listenOptions: TCPSocketListenOptions<Connection | undefined> & { readonly reusePort: boolean } = {
      hostname: planned.address,
      port,
      allowHalfOpen: true,
      reusePort: this.options.reusePort,
      data: undefined,
      socket: {
        open(client) {
          // The coarse clock may be a sweep behind while accepts keep the loop busy; a
          // hello deadline counted from a stale time would close the connection early.
          ctx.clock.now = Date.now();
          state.metrics.accepted.value++;
          const source = clientAddress(client.remoteAddress);
          const refusal = state.active >= max ? "too-many-connections" : ctx.pending.admit(source);
          if (refusal !== undefined) {
            state.metrics.rejected(refusal).value++;
            // Logged like every refusal, through the access log's rate limit.
            if (ctx.accessLog.admit(ctx.clock.now)) ctx.accessLog.write("rejected", { client: hostPort(source, client.remotePort), reason: refusal, listener: name });
            client.data = undefined;
            client.end();
            return;
          }
          state.active++;
          state.metrics.active.value++;
          const connection = new Connection(client, state, ctx, source);
          client.data = connection;
          ctx.live.add(connection);
        },
        data(client, chunk) {
          client.data?.onClientData(chunk);
        },
        drain(client) {
          client.data?.onClientDrain();
        },
        end(client) {
          client.data?.onClientEnd();
        },
        close(client) {
          client.data?.onClientClose();
        },
        error() {
          // close follows.
        },
      },
    };
    const socket = Bun.listen<Connection | undefined>(listenOptions);
    return { socket, state };
  }

  private sweep(): void {
    const now = Date.now();
    this.ctx.clock.now = now;
    for (const connection of this.ctx.live) connection.checkTimers(now);
    this.ctx.accessLog.summarize(now);
  }

  /** Closes every listening socket; connections already accepted go on. */
  stopAccepting(): void {
    for (const listener of this.listeners.values()) listener.socket.stop(false);
    this.listeners.clear();
  }

  /** Stops accepting everywhere and waits (up to timeoutMs) for open connections to end. */
  async drain(timeoutMs: number): Promise<number> {
    this.stopAccepting();
    const until = Date.now() + timeoutMs;
    while (this.ctx.live.size > 0 && Date.now() < until) await Bun.sleep(50);
    return this.ctx.live.size;
  }

  /** Closes every listener and connection at once (tests, and after a drain timeout). */
  close(): void {
    clearInterval(this.sweeper);
    for (const listener of this.listeners.values()) listener.socket.stop(true);
    this.listeners.clear();
    for (const connection of [...this.ctx.live]) connection.forceClose();
  }
}
