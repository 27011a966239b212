// The proxy's data-plane limits: their defaults and the bounds the command line
// accepts. Durations are milliseconds read with durations.ts; 0 means off where a
// limit says so.

/** Buffered ClientHello bytes (record headers included) allowed by default. */
export const DEFAULT_MAX_HELLO_BYTES = 16_384;
/**
 * The smallest configurable hello buffer. Real clients send 200 to 2,000 bytes (more
 * with post-quantum key shares); a smaller buffer would only refuse them.
 */
export const MIN_HELLO_BYTES = 512;
/** The largest configurable hello buffer: 4 full TLS records. */
export const MAX_HELLO_BYTES_LIMIT = 65_536;

export interface Limits {
  /** Largest ClientHello (all records) buffered before the connection is refused. */
  readonly maxHelloBytes: number;
  /** Time a client has to deliver its whole ClientHello (never 0). */
  readonly helloTimeoutMs: number;
  /** Time to establish the TCP connection to one endpoint (never 0). */
  readonly connectTimeoutMs: number;
  /** Endpoints of the chosen backend tried before a connection is refused. */
  readonly connectTries: number;
  /** Close a connection after this long with no bytes either way (a route may override); 0 = never. */
  readonly idleTimeoutMs: number;
  /** TCP keepalive initial delay on both sockets (a route may override); 0 = off. */
  readonly keepAliveMs: number;
  /** Open connections per listening socket; more are closed at once. */
  readonly maxConnectionsPerListener: number;
  /** How long SIGTERM waits for open connections to finish; 0 = close them at once. */
  readonly drainTimeoutMs: number;
  /** Connections from one source address still waiting for their ClientHello; more are closed at once. */
  readonly maxPendingHellosPerClient: number;
  /** Connections of the whole process still waiting for their ClientHello; more are closed at once. */
  readonly maxPendingHellos: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxHelloBytes: DEFAULT_MAX_HELLO_BYTES,
  helloTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  connectTries: 3,
  idleTimeoutMs: 60 * 60 * 1000,
  keepAliveMs: 60_000,
  maxConnectionsPerListener: 50_000,
  drainTimeoutMs: 30_000,
  // A ClientHello follows the TCP handshake within a round trip, so pending
  // connections from one address are its connection rate times a round trip: a pool
  // opening 256 at once, or many clients behind one NAT or an SNATing load balancer,
  // stay far below 1,024, while an idle flood from one address stops well before the
  // listener limit. The total bounds a flood spread over many addresses.
  maxPendingHellosPerClient: 1_024,
  maxPendingHellos: 16_384,
};

/** Most data-plane worker threads `--workers` and CourierProxy accept (each is a thread with its own heap). */
export const MAX_WORKERS = 64;

/** Worker threads for a CPU amount in Kubernetes quantity form ("2", "1500m", "0.5"): rounded up, at least 1; undefined if unreadable. */
export function workersForCpu(quantity: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity);
  if (match === null) return undefined;
  const cpus = Number(match[1]) / (match[2] === "m" ? 1000 : 1);
  return Math.min(MAX_WORKERS, Math.max(1, Math.ceil(cpus)));
}
