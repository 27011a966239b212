// What the probe process (probeMain.ts) and the suite say to each other, one line each:
// the probe prints "ready" once its backend listens, then answers "window" and "stop"
// (on its stdin) with one JSON WindowReport of what its client saw since the last one.

export type ProbeMode = "ping-pong" | "connect";

export interface ProbeConfig {
  readonly mode: ProbeMode;
  readonly sni: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Where the probe's own echo backend listens (the endpoints file names it). */
  readonly backendPort: number;
  /** Courier's listener the client goes through. */
  readonly proxyPort: number;
}

/** What a client loop needs: where to connect and what to trust. */
export type ClientTarget = Pick<ProbeConfig, "sni" | "caFile" | "proxyPort">;

export interface WindowReport {
  /** Round trips (ping-pong) or set-up times (connect) in ms, in the order measured. */
  readonly samples: readonly number[];
  /** Connections that failed (refused, reset, timed out, or answered wrong bytes). */
  readonly failures: number;
  /** Bytes sent that never came back (or came back wrong). */
  readonly bytesLost: number;
  /** The first few failure messages. */
  readonly errors: readonly string[];
}

/** A client loop the probe runs. */
export interface ProbeClient {
  start(): void;
  /** What happened since the last window; starts a new one. */
  window(): WindowReport;
  stop(): Promise<void>;
}
