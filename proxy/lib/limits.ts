// Data-plane limits and their defaults. Every one is settable from the command line.

export interface Limits {
  /** Largest ClientHello (all records) buffered before the connection is refused. */
  readonly maxHelloBytes: number;
  /** Time a client has to deliver its whole ClientHello. */
  readonly helloTimeoutMs: number;
  /** Time to establish the TCP connection to one endpoint. */
  readonly connectTimeoutMs: number;
  /** Endpoints of the chosen backend tried before a connection is refused. */
  readonly connectTries: number;
  /** Close a connection after this long with no bytes either way (a route may override). */
  readonly idleTimeoutMs: number;
  /** TCP keepalive initial delay on both sockets (a route may override); 0 = off. */
  readonly keepAliveMs: number;
  /** Open connections per listening socket; more are closed at once. */
  readonly maxConnectionsPerListener: number;
  /** How long SIGTERM waits for open connections to finish. */
  readonly drainTimeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxHelloBytes: 16 * 1024,
  helloTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  connectTries: 3,
  idleTimeoutMs: 60 * 60 * 1000,
  keepAliveMs: 60_000,
  maxConnectionsPerListener: 50_000,
  drainTimeoutMs: 30_000,
};
