// One proxied connection as an explicit state machine:
//   hello -> connecting -> [pg-upstream ->] piping -> closed
// It owns the sockets and the transitions; what to answer a PostgreSQL client
// (postgresPreamble.ts), what to write to an upstream first (upstreamPreface.ts),
// which endpoint to try next (endpointAttempts.ts), what to count
// (connectionMetrics.ts, backendMetrics.ts) and what to log (accessLog.ts) are
// decided elsewhere. Nothing here is decrypted.
import type { Socket } from "bun";
import { ClientHelloReader } from "./clienthello/clientHello.ts";
import { CONTENT_HANDSHAKE } from "./clienthello/tlsRecords.ts";
import { EndpointAttempts } from "./endpointAttempts.ts";
import { endpointKey } from "./endpointState.ts";
import { Flow } from "./flow.ts";
import type { BackendStats } from "./backendMetrics.ts";
import type { ConnectionContext, ListenerState, LiveConnection, TrackedConnection, UpstreamEvents, UpstreamLink } from "./connectionContext.ts";
import { type AbortReason, type ClosedBy, type RejectReason, countConnectFailure } from "./connectionMetrics.ts";
import { clientAddress, hostPort } from "../lib/hostPort.ts";
import type { EndpointAddress, PlannedRoute } from "../model/plan.ts";
import { ACCEPT_SSL, REFUSE, REQUEST_BYTES, nextPreambleStep, postgresRejectDetail, serverAcceptsSsl } from "./postgresPreamble.ts";
import { lookupRoute } from "./routeTable.ts";
import { upstreamPreface } from "./upstreamPreface.ts";

/**
 * - `hello`: buffering the first bytes until a ClientHello (after an optional
 *   PostgreSQL SSLRequest) names a route; bounded in size and time.
 * - `connecting`: a TCP connect to one endpoint is under way; on failure the next
 *   endpoint is tried.
 * - `pg-upstream`: connected; the SSLRequest was replayed (after a PROXY header if the
 *   route sends one) and the server's "S" is awaited.
 * - `piping`: bytes move both ways with backpressure and half-close.
 * - `closed`: both sockets ended; every later event is ignored.
 */
type State = "hello" | "connecting" | "pg-upstream" | "piping" | "closed";

/**
 * TCP keepalive is switched on by the sweeper once a connection has lived this long,
 * not when piping starts: it costs eight setsockopt calls per connection (four per
 * socket), about 5% of the proxy's CPU per short connection, and only connections
 * that stay open long enough to go idle need it.
 */
const KEEPALIVE_AFTER_MS = 1_000;

export class Connection implements TrackedConnection, UpstreamEvents {
  state: State = "hello";
  private readonly opened: number;
  /** performance.now() at accept, for the latency histograms (the coarse clock is too coarse). */
  private readonly startedAt: number;
  /** performance.now() when the ClientHello was complete, and when the current connect began. */
  private helloAt = 0;
  private connectAt = 0;
  /** Coarse time of the last byte either way; drives the idle timeout. */
  private lastActivity: number;
  /** Hello or connect deadline, depending on the state. */
  private deadline: number;
  private reader: ClientHelloReader | undefined;
  /** First bytes of a non-TLS start, kept until a PostgreSQL preamble is recognised. */
  private preamble: Buffer | undefined;
  /** SSLRequests and GSSENCRequests answered so far. */
  private pgRequests = 0;
  /** The client asked for TLS by SSLRequest: the server is asked the same before piping. */
  private postgres = false;
  private serverName = "";
  private route: PlannedRoute | undefined;
  private attempts: EndpointAttempts | undefined;
  private link: UpstreamLink | undefined;
  private endpoint = "";
  private upstream: Socket<UpstreamLink> | undefined;
  private upstreamGone = false;
  private keepAliveOn = false;
  private readonly up = new Flow();
  private readonly down = new Flow();
  /** The route/backend series it counts into, from when forwarding starts. */
  private stats: BackendStats | undefined;
  /** Bytes of up/down already added to the byte counters (flushed by the sweeper while open). */
  private reportedUp = 0;
  private reportedDown = 0;
  /** Which side ended first, and how: "fin", "close", "reset", or an AbortReason. */
  private closedBy: ClosedBy | undefined;
  private closeReason = "";
  private clientAddress: string | undefined;

  constructor(
    private readonly client: Socket<Connection | undefined>,
    private readonly listener: ListenerState,
    private readonly ctx: ConnectionContext,
    /** Its source address, counted in ctx.pending until the ClientHello is in (then undefined). */
    private pendingFrom: string | undefined,
  ) {
    this.opened = ctx.clock.now;
    this.startedAt = performance.now();
    this.lastActivity = this.opened;
    this.deadline = this.opened + ctx.limits.helloTimeoutMs;
  }

  // ---- client socket events

  onClientData(chunk: Buffer): void {
    this.lastActivity = this.ctx.clock.now;
    switch (this.state) {
      case "piping":
        if (!this.up.forward(chunk, this.upstream!, this.client)) this.abort("upstream-write-failed");
        return;
      case "hello":
        this.readHello(chunk);
        return;
      case "connecting":
      case "pg-upstream":
        // Bytes after the ClientHello (rare before the server answers): hold them, bounded.
        this.up.hold(chunk);
        if (this.up.queued > this.ctx.limits.maxHelloBytes) this.up.pause(this.client);
        return;
      case "closed":
        return;
    }
  }

  onClientDrain(): void {
    if (this.state !== "piping") return;
    this.flushDown();
  }

  /** The client sent FIN (allowHalfOpen keeps the socket open for the reply). */
  onClientEnd(): void {
    this.up.eof = true;
    this.ended("client", "fin");
    if (this.state === "hello") return this.reject("hello-incomplete");
    if (this.state === "piping") this.flushUp();
  }

  onClientClose(): void {
    if (this.state === "closed") return;
    this.ended("client", "close");
    // Before piping, or while the client is still owed bytes: nothing more can reach it.
    if (this.state !== "piping" || !this.down.shut) return this.finish();
    // We had passed the upstream's FIN on, so the client's own FIN arrives as close.
    this.up.eof = true;
    this.flushUp();
  }

  // ---- upstream socket events

  onUpstreamOpen(socket: Socket<UpstreamLink>): void {
    this.upstream = socket;
    this.listener.metrics.connect.observe((performance.now() - this.connectAt) / 1000);
    // Held for the connection's lifetime from here on: keep it small.
    this.attempts!.settled();
    this.ctx.endpoints.connected(this.endpoint);
    // A fresh socket takes these few bytes whole; anything less would corrupt the stream.
    const preface = upstreamPreface(this.route!.settings, this.client, this.serverName, this.postgres);
    if (preface !== undefined && socket.write(preface) !== preface.length) return this.abort("upstream-write-failed");
    if (this.postgres) {
      this.state = "pg-upstream";
      this.deadline = this.ctx.clock.now + this.ctx.limits.connectTimeoutMs;
      return;
    }
    this.startPiping();
  }

  onUpstreamConnectFailed(reason: string): void {
    if (this.state !== "connecting") return;
    if (this.link !== undefined) this.link.live = false;
    this.ctx.endpoints.failed(this.endpoint, this.ctx.clock.now);
    this.attempts!.failed(this.endpoint);
    countConnectFailure(this.ctx.metrics, reason);
    this.ctx.log.debug("connect failed", { endpoint: this.endpoint, reason, sni: this.serverName });
    this.connectNext();
  }

  onUpstreamData(chunk: Buffer): void {
    this.lastActivity = this.ctx.clock.now;
    if (this.state === "piping") {
      if (!this.down.forward(chunk, this.client, this.upstream!)) this.abort("client-write-failed");
      return;
    }
    if (this.state === "pg-upstream") {
      if (!serverAcceptsSsl(chunk)) return this.reject("pg-server-refused-ssl");
      this.startPiping();
      if (chunk.length > ACCEPT_SSL.length) this.onUpstreamData(chunk.subarray(ACCEPT_SSL.length));
    }
  }

  onUpstreamDrain(): void {
    if (this.state === "piping") this.flushUp();
  }

  onUpstreamEnd(): void {
    this.down.eof = true;
    this.ended("upstream", "fin");
    if (this.state === "piping") this.flushDown();
    else this.reject("upstream-closed-early");
  }

  onUpstreamClose(hadError: boolean): void {
    if (this.state === "closed") return;
    this.upstreamGone = true;
    this.ended("upstream", hadError ? "reset" : "close");
    if (this.state !== "piping") return this.reject("upstream-closed-early");
    if (hadError) return this.abort("upstream-reset");
    // Nothing more can go upstream; what it already sent still goes to the client.
    this.up.shut = true;
    this.down.eof = true;
    this.flushDown();
  }

  /** Called by the sweeper with the coarse clock; enforces every deadline. */
  checkTimers(now: number): void {
    switch (this.state) {
      case "hello":
        if (now >= this.deadline) this.reject("hello-timeout");
        return;
      case "connecting":
        if (now >= this.deadline) this.onUpstreamConnectFailed("timeout");
        return;
      case "pg-upstream":
        if (now >= this.deadline) this.reject("pg-server-timeout");
        return;
      case "piping": {
        this.flushBytes();
        if (!this.keepAliveOn && now - this.opened >= KEEPALIVE_AFTER_MS) this.enableKeepAlive();
        const idle = this.route?.settings.idleTimeoutMs ?? this.ctx.limits.idleTimeoutMs;
        if (idle > 0 && now - this.lastActivity >= idle) this.abort("idle-timeout");
        return;
      }
      case "closed":
        return;
    }
  }

  // ---- hello

  private readHello(chunk: Buffer): void {
    if (this.reader === undefined) {
      // The first bytes decide: a TLS record, or a PostgreSQL request before one.
      let start = this.preamble === undefined ? chunk : Buffer.concat([this.preamble, chunk]);
      this.preamble = undefined;
      if (start[0] !== CONTENT_HANDSHAKE) {
        const rest = this.readPostgresPreamble(start);
        if (rest === undefined) return;
        start = rest;
      }
      this.reader = new ClientHelloReader(this.ctx.limits.maxHelloBytes);
      chunk = start;
    }
    this.up.hold(chunk);
    const progress = this.reader.push(chunk);
    if (progress.state === "need-more") return;
    this.reader = undefined;
    if (progress.state === "rejected") return this.reject(progress.reason, progress.detail);
    const name = progress.hello.serverName;
    if (name === undefined) return this.reject("no-sni");
    this.serverName = name;
    this.routeConnection();
  }

  /**
   * Answers the plaintext PostgreSQL requests that may precede a ClientHello.
   * Returns the bytes to read a ClientHello from, or undefined when there is
   * nothing more to read now (waiting for bytes, or the connection was refused).
   */
  private readPostgresPreamble(start: Buffer): Buffer | undefined {
    let offset = 0;
    while (offset < start.length) {
      const rest = start.subarray(offset);
      const step = nextPreambleStep(rest, this.pgRequests);
      switch (step) {
        case "hello":
          return rest;
        case "need-more":
          this.preamble = Buffer.from(rest);
          return undefined;
        case "accept-ssl":
        case "refuse-gssenc":
          this.pgRequests++;
          if (step === "accept-ssl") this.postgres = true;
          this.client.write(step === "accept-ssl" ? ACCEPT_SSL : REFUSE);
          offset += REQUEST_BYTES;
          continue;
        default:
          this.reject(step, postgresRejectDetail(step));
          return undefined;
      }
    }
    return undefined;
  }

  // ---- routing and connecting

  private routeConnection(): void {
    this.leavePending();
    this.helloAt = performance.now();
    this.listener.metrics.helloWait.observe((this.helloAt - this.startedAt) / 1000);
    const route = lookupRoute(this.listener.table, this.serverName);
    if (route === undefined) return this.reject("unknown-sni");
    this.route = route;
    this.attempts = new EndpointAttempts(route);
    this.connectNext();
  }

  private connectNext(): void {
    const next = this.attempts!.next(this.ctx, this.ctx.clock.now);
    if (typeof next === "string") return this.reject(next);
    this.connect(next);
  }

  private connect(endpoint: EndpointAddress): void {
    this.state = "connecting";
    this.connectAt = performance.now();
    this.endpoint = endpointKey(endpoint);
    this.deadline = this.ctx.clock.now + this.ctx.limits.connectTimeoutMs;
    const link: UpstreamLink = { connection: this, live: true };
    this.link = link;
    Bun.connect<UpstreamLink>({
      hostname: endpoint.host,
      port: endpoint.port,
      allowHalfOpen: true,
      data: link,
      socket: this.ctx.upstreamHandlers,
    }).catch(() => {
      // connectError has already reported it; the promise must not go unhandled.
    });
  }

  private enableKeepAlive(): void {
    this.keepAliveOn = true;
    const keepAlive = this.route!.settings.keepAliveMs ?? this.ctx.limits.keepAliveMs;
    if (keepAlive > 0) {
      this.client.setKeepAlive(true, keepAlive);
      this.upstream!.setKeepAlive(true, keepAlive);
    }
  }

  private startPiping(): void {
    this.state = "piping";
    // No setNoDelay(): Bun already sets TCP_NODELAY on every accepted and connected socket.
    this.listener.metrics.routed.value++;
    const backend = this.attempts!.backend!;
    const stats = this.ctx.backendStats.get(backend);
    if (stats !== undefined) {
      stats.connections.value++;
      stats.active.value++;
      this.stats = stats;
    }
    const log = this.ctx.accessLog;
    if (log.admit(this.ctx.clock.now)) {
      const now = performance.now();
      log.write("routed", {
        client: this.clientAddr(),
        sni: this.serverName,
        route: this.route!.id,
        backend: backend.name,
        endpoint: this.endpoint,
        postgres: this.postgres || undefined,
        listener: this.listener.name,
        hello_ms: Math.round((this.helloAt - this.startedAt) * 10) / 10,
        connect_ms: Math.round((now - this.connectAt) * 10) / 10,
      });
    }
    this.flushUp();
  }

  // ---- piping

  private flushUp(): void {
    if (this.upstreamGone) return this.finishIfDone();
    // With the other direction done, the connection ends right after: end() sends the FIN.
    const result = this.up.flush(this.upstream!, this.client, this.down.shut);
    if (result === "closed") return this.abort("upstream-write-failed");
    this.finishIfDone();
  }

  private flushDown(): void {
    const result = this.down.flush(this.client, this.upstream, this.up.shut);
    if (result === "closed") return this.abort("client-write-failed");
    this.finishIfDone();
  }

  private finishIfDone(): void {
    if (this.up.shut && this.down.shut) this.finish();
  }

  // ---- bookkeeping

  /** Remembers the first side to end the connection (a FIN or a close). */
  private ended(by: ClosedBy, how: string): void {
    if (this.closedBy !== undefined) return;
    this.closedBy = by;
    this.closeReason = how;
  }

  /** Adds the bytes moved since the last flush to the byte counters: while open, every sweep. */
  private flushBytes(): void {
    const up = this.up.bytes - this.reportedUp;
    const down = this.down.bytes - this.reportedDown;
    if (up === 0 && down === 0) return;
    this.reportedUp = this.up.bytes;
    this.reportedDown = this.down.bytes;
    const metrics = this.listener.metrics;
    metrics.bytesUp.value += up;
    metrics.bytesDown.value += down;
    const stats = this.stats;
    if (stats !== undefined) {
      stats.bytesUp.value += up;
      stats.bytesDown.value += down;
    }
  }

  /** "address:port" ("[v6]:port") of the client; read once, while the socket still knows it. */
  private clientAddr(): string {
    return (this.clientAddress ??= hostPort(clientAddress(this.client.remoteAddress), this.client.remotePort));
  }

  describe(now: number): LiveConnection {
    return {
      client: this.clientAddr(),
      listener: this.listener.name,
      state: this.state,
      sni: this.serverName,
      route: this.route?.id ?? "",
      backend: this.attempts?.backend?.name ?? "",
      endpoint: this.endpoint,
      ageMs: now - this.opened,
      bytesUp: this.up.bytes,
      bytesDown: this.down.bytes,
    };
  }

  // ---- endings

  /** Ends the connection now, whatever its state (shutdown after a drain timeout). */
  forceClose(): void {
    this.abort("shutdown");
  }

  /** Refuses a connection that was never forwarded: the client sees EOF, no TLS alert. */
  private reject(reason: RejectReason, detail?: string): void {
    if (this.state === "closed") return;
    this.listener.metrics.rejected(reason).value++;
    const log = this.ctx.accessLog;
    if (log.admit(this.ctx.clock.now)) {
      log.write("rejected", {
        client: this.clientAddr(),
        reason,
        sni: this.serverName || undefined,
        route: this.route?.id,
        detail,
        listener: this.listener.name,
      });
    }
    this.finish(true);
  }

  /** Ends a connection that was forwarding, e.g. on idle timeout or a reset. */
  private abort(reason: AbortReason): void {
    if (this.state === "closed") return;
    this.listener.metrics.aborted(reason).value++;
    // The proxy ended it, whichever side had half-closed before.
    this.closedBy = "proxy";
    this.closeReason = reason;
    this.finish();
  }

  /** @param rejected refused before forwarding: counted and logged as such, not as closed */
  private finish(rejected = false): void {
    if (this.state === "closed") return;
    const wasPiping = this.state === "piping";
    const wasConnected = this.upstream !== undefined;
    if (!rejected) this.closeRecord(wasPiping);
    this.state = "closed";
    if (this.link !== undefined) this.link.live = false;
    this.client.end();
    this.upstream?.end();
    if (wasConnected) this.ctx.endpoints.disconnected(this.endpoint);
    this.leavePending();
    this.flushBytes();
    if (this.stats !== undefined) this.stats.active.value--;
    this.listener.active--;
    this.listener.metrics.active.value--;
    this.ctx.live.delete(this);
  }

  private leavePending(): void {
    if (this.pendingFrom === undefined) return;
    this.ctx.pending.release(this.pendingFrom);
    this.pendingFrom = undefined;
  }

  /** Counts and logs the end of a connection that was not refused. */
  private closeRecord(wasPiping: boolean): void {
    const by = this.closedBy ?? "client";
    const metrics = this.listener.metrics;
    metrics.closedBy[by].value++;
    const seconds = (performance.now() - this.startedAt) / 1000;
    if (wasPiping) metrics.duration.observe(seconds);
    const log = this.ctx.accessLog;
    if (!log.admit(this.ctx.clock.now)) return;
    log.write("closed", {
      client: this.clientAddr(),
      sni: this.serverName || undefined,
      route: this.route?.id,
      backend: this.attempts?.backend?.name,
      endpoint: this.endpoint || undefined,
      listener: this.listener.name,
      state: wasPiping ? undefined : this.state,
      bytes_up: this.up.bytes,
      bytes_down: this.down.bytes,
      duration_ms: Math.round(seconds * 10_000) / 10,
      closed_by: by,
      reason: this.closeReason || undefined,
    });
  }
}
