// One proxied connection as an explicit state machine:
//   hello -> connecting -> [pg-upstream ->] piping -> closed
// hello: buffer bytes until the ClientHello (after an optional PostgreSQL SSLRequest)
// names a route; connecting: try endpoints of the chosen backend; pg-upstream: replay
// the SSLRequest and wait for the server's "S"; piping: move bytes both ways with
// backpressure and half-close. Nothing here is decrypted.
import type { Socket } from "bun";
import { chooseBackend } from "./backendChoice.ts";
import { ClientHelloReader } from "./clienthello/clientHello.ts";
import { endpointKey } from "./endpointState.ts";
import { Flow } from "./flow.ts";
import type { ConnectionContext, ListenerState } from "./connectionContext.ts";
import type { EndpointAddress, PlannedBackend, PlannedRoute } from "../model/plan.ts";
import { SSL_REQUEST, classifyPostgresPreamble } from "./postgresPreamble.ts";
import { lookupRoute } from "./routeTable.ts";

type State = "hello" | "connecting" | "pg-upstream" | "piping" | "closed";

/** The data of an upstream socket; a connect attempt given up on is marked dead. */
export interface UpstreamLink {
  readonly connection: Connection;
  live: boolean;
}

const TLS_HANDSHAKE = 0x16;
const PG_ACCEPT_SSL = 0x53; // "S"
const PG_REFUSE = Buffer.from("N");
/** SSLRequest/GSSENCRequest rounds a client may go through before its ClientHello. */
const MAX_PG_PREAMBLES = 2;
/**
 * TCP keepalive is switched on by the sweeper once a connection has lived this long,
 * not when piping starts: it costs eight setsockopt calls per connection (four per
 * socket), about 5% of the proxy's CPU per short connection, and only connections
 * that stay open long enough to go idle need it.
 */
const KEEPALIVE_AFTER_MS = 1_000;

export class Connection {
  state: State = "hello";
  private readonly opened: number;
  /** Coarse time of the last byte either way; drives the idle timeout. */
  private lastActivity: number;
  /** Hello or connect deadline, depending on the state. */
  private deadline: number;
  private reader: ClientHelloReader | undefined;
  /** First bytes of a non-TLS start, kept until a PostgreSQL preamble is recognised. */
  private preamble: Buffer | undefined;
  private pgPreambles = 0;
  private postgres = false;
  private serverName = "";
  private route: PlannedRoute | undefined;
  private backend: PlannedBackend | undefined;
  private tried: Set<string> | undefined;
  private link: UpstreamLink | undefined;
  private endpoint = "";
  private upstream: Socket<UpstreamLink> | undefined;
  private upstreamGone = false;
  private keepAliveOn = false;
  private readonly up = new Flow();
  private readonly down = new Flow();

  constructor(
    private readonly client: Socket<Connection | undefined>,
    private readonly listener: ListenerState,
    private readonly ctx: ConnectionContext,
  ) {
    this.opened = ctx.clock.now;
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
    if (this.state === "hello") return this.reject("hello-incomplete");
    if (this.state === "piping") this.flushUp();
  }

  onClientClose(): void {
    if (this.state === "closed") return;
    // Before piping, or while the client is still owed bytes: nothing more can reach it.
    if (this.state !== "piping" || !this.down.shut) return this.finish();
    // We had passed the upstream's FIN on, so the client's own FIN arrives as close.
    this.up.eof = true;
    this.flushUp();
  }

  // ---- upstream socket events

  onUpstreamOpen(socket: Socket<UpstreamLink>): void {
    this.upstream = socket;
    // Held for the connection's lifetime from here on: keep it small.
    this.tried = undefined;
    this.ctx.endpoints.connected(this.endpoint);
    if (this.postgres) {
      this.state = "pg-upstream";
      this.deadline = this.ctx.clock.now + this.ctx.limits.connectTimeoutMs;
      socket.write(SSL_REQUEST);
      return;
    }
    this.startPiping();
  }

  onUpstreamConnectFailed(reason: string): void {
    if (this.state !== "connecting") return;
    if (this.link !== undefined) this.link.live = false;
    this.ctx.endpoints.failed(this.endpoint, this.ctx.clock.now);
    this.ctx.metrics.inc("courier_upstream_connect_failures_total", "Connections to an endpoint that failed or timed out.", { reason });
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
      if (chunk[0] !== PG_ACCEPT_SSL) return this.reject("pg-server-refused-ssl");
      this.startPiping();
      if (chunk.length > 1) this.onUpstreamData(chunk.subarray(1));
    }
  }

  onUpstreamDrain(): void {
    if (this.state === "piping") this.flushUp();
  }

  onUpstreamEnd(): void {
    this.down.eof = true;
    if (this.state === "piping") this.flushDown();
    else this.reject("upstream-closed-early");
  }

  onUpstreamClose(hadError: boolean): void {
    if (this.state === "closed") return;
    this.upstreamGone = true;
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
      if (start[0] !== TLS_HANDSHAKE) {
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
    while (offset < start.length && start[offset] !== TLS_HANDSHAKE) {
      const rest = start.subarray(offset);
      const kind = classifyPostgresPreamble(rest);
      switch (kind) {
        case "need-more":
          this.preamble = Buffer.from(rest);
          return undefined;
        case "ssl-request":
        case "gssenc-request":
          if (++this.pgPreambles > MAX_PG_PREAMBLES) {
            this.reject("pg-too-many-requests");
            return undefined;
          }
          if (kind === "ssl-request") {
            this.postgres = true;
            this.client.write("S");
          } else {
            // No GSSAPI encryption here: "N" makes libpq fall back to an SSLRequest.
            this.client.write(PG_REFUSE);
          }
          offset += 8;
          continue;
        case "cancel-request":
          this.reject("pg-plaintext-cancel", "a CancelRequest carries no SNI; connect with sslmode=require or stricter");
          return undefined;
        case "startup-message":
          this.reject("pg-plaintext-startup", "a plaintext startup message carries no SNI; connect with sslmode=require or stricter");
          return undefined;
        case "not-postgres":
          // The ClientHello reader names what it is instead (not TLS, SSLv2, ...).
          return rest;
      }
    }
    return offset < start.length ? start.subarray(offset) : undefined;
  }

  // ---- routing and connecting

  private routeConnection(): void {
    const route = lookupRoute(this.listener.table, this.serverName);
    if (route === undefined) return this.reject("unknown-sni");
    this.route = route;
    this.tried = new Set();
    this.connectNext();
  }

  private connectNext(): void {
    const route = this.route!;
    const tried = this.tried!;
    const now = this.ctx.clock.now;
    const endpoints = this.ctx.endpoints;
    if (tried.size >= this.ctx.limits.connectTries) return this.reject("connect-failed");

    let endpoint = this.backend?.endpoints === undefined ? undefined : endpoints.pick(this.backend.endpoints, tried, now);
    // A route that opted into fallback moves on once its weighted backends all fail.
    const mayChooseAgain = this.backend === undefined || route.settings.fallback;
    if (endpoint === undefined && mayChooseAgain) {
      const draw = this.ctx.random();
      const untried = (b: PlannedBackend): boolean => b.endpoints!.some((e) => !tried.has(endpointKey(e)));
      let choice = chooseBackend(route, draw, (b) => untried(b) && endpoints.hasHealthy(b.endpoints!, now));
      // Endpoints that failed a moment ago are still better than refusing outright.
      if (choice.kind === "reject" && choice.reason === "no-ready-endpoint") choice = chooseBackend(route, draw, untried);
      if (choice.kind === "reject") return this.reject(choice.reason);
      this.backend = choice.backend;
      endpoint = endpoints.pick(choice.backend.endpoints!, tried, now);
    }
    if (endpoint === undefined) return this.reject(tried.size > 0 ? "connect-failed" : "no-ready-endpoint");
    this.connect(endpoint);
  }

  private connect(endpoint: EndpointAddress): void {
    this.state = "connecting";
    this.endpoint = endpointKey(endpoint);
    this.tried!.add(this.endpoint);
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
    this.listener.counters.routed.value++;
    if (this.ctx.log.enabled("info")) {
      this.ctx.log.info("routed", {
        client: `${this.client.remoteAddress}:${this.client.remotePort}`,
        sni: this.serverName,
        route: this.route!.id,
        backend: this.backend!.name,
        endpoint: this.endpoint,
        postgres: this.postgres || undefined,
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

  // ---- endings

  /** Ends the connection now, whatever its state (shutdown after a drain timeout). */
  forceClose(): void {
    this.abort("shutdown");
  }

  /** Refuses a connection that was never forwarded: the client sees EOF, no TLS alert. */
  private reject(reason: string, detail?: string): void {
    if (this.state === "closed") return;
    this.ctx.metrics.inc("courier_connections_rejected_total", "Connections refused before any byte was forwarded, by reason.", { port: this.listener.port, reason });
    this.ctx.log.info("rejected", {
      client: `${this.client.remoteAddress}:${this.client.remotePort}`,
      reason,
      sni: this.serverName || undefined,
      route: this.route?.id,
      detail,
    });
    this.finish();
  }

  /** Ends a connection that was forwarding, e.g. on idle timeout or a reset. */
  private abort(reason: string): void {
    if (this.state === "closed") return;
    this.ctx.metrics.inc("courier_connections_aborted_total", "Forwarded connections ended by the proxy, by reason.", { port: this.listener.port, reason });
    this.ctx.log.debug("aborted", { reason, sni: this.serverName, endpoint: this.endpoint });
    this.finish();
  }

  private finish(): void {
    if (this.state === "closed") return;
    const wasConnected = this.upstream !== undefined;
    this.state = "closed";
    if (this.link !== undefined) this.link.live = false;
    this.client.end();
    this.upstream?.end();
    if (wasConnected) this.ctx.endpoints.disconnected(this.endpoint);
    this.ctx.stats.bytesUp += this.up.bytes;
    this.ctx.stats.bytesDown += this.down.bytes;
    this.listener.active--;
    this.ctx.live.delete(this);
    this.listener.counters.closed.value++;
  }
}
