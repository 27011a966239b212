// Client traffic for rollouts: a steady stream of short connections, and
// long-lived echo streams that check every byte comes back.
import type { TlsSession } from "./tlsClient.ts";

export interface LoadResult {
  readonly attempts: number;
  /** When (ms since the epoch) and why each failed connection failed. */
  readonly failures: readonly { at: number; error: string }[];
}

/**
 * Starts `connect` every `everyMs` until `stop()` says so or `maxMs` is over (so at
 * most maxMs / everyMs connections), and resolves once every started one settled.
 */
export async function steadyConnections(connect: () => Promise<unknown>, options: { readonly everyMs: number; readonly maxMs: number; readonly stop: () => boolean }): Promise<LoadResult> {
  const deadline = Date.now() + options.maxMs;
  const failures: { at: number; error: string }[] = [];
  const running: Promise<void>[] = [];
  while (!options.stop() && Date.now() < deadline) {
    const at = Date.now();
    running.push(connect().then(
      () => {},
      (error: Error) => {
        failures.push({ at, error: error.message });
      },
    ));
    await Bun.sleep(options.everyMs);
  }
  await Promise.all(running);
  return { attempts: running.length, failures };
}

export interface EchoStream {
  /** When the peer closed it (ms since the epoch); undefined if it was open until stop(). */
  readonly closedAt: number | undefined;
  /** Every byte that came back is what was sent, and everything sent until shortly before the close came back. */
  intact(): boolean;
  describe(): string;
  /** Stops writing and closes it (if still open). */
  stop(): void;
}

/** Opens a session (reads its greeting), then writes a numbered line every `everyMs` and collects the echo. */
export async function openEchoStream(open: () => Promise<TlsSession>, everyMs = 100): Promise<EchoStream> {
  const session = await open();
  const greeting = await session.firstLine;
  const opened = Date.now();
  let sent = "";
  let received = "";
  let closedAt: number | undefined;
  let stoppedAt: number | undefined;
  const writes: { at: number; end: number }[] = [];
  const socket = session.socket;
  socket.on("data", (chunk: Buffer) => {
    received += chunk.toString("latin1");
  });
  socket.on("error", () => {});
  socket.once("close", () => {
    if (stoppedAt === undefined) closedAt = Date.now();
    clearInterval(timer);
  });
  let n = 0;
  const timer = setInterval(() => {
    if (closedAt !== undefined || stoppedAt !== undefined || socket.destroyed) return;
    n += 1;
    const line = `line ${n} of a stream opened at ${opened}\n`;
    sent += line;
    writes.push({ at: Date.now(), end: sent.length });
    socket.write(line);
  }, everyMs);
  return {
    get closedAt() {
      return closedAt;
    },
    intact() {
      // A round trip takes milliseconds; what was written in the last 500 ms before the end may be in flight.
      const end = (closedAt ?? stoppedAt ?? Date.now()) - 500;
      const mustHave = writes.filter((w) => w.at <= end).reduce((most, w) => Math.max(most, w.end), 0);
      return sent.startsWith(received) && received.length >= mustHave;
    },
    describe() {
      const life = closedAt === undefined ? "open until stopped" : `closed by the peer after ${((closedAt - opened) / 1000).toFixed(1)} s`;
      return `stream (${greeting}): ${life}, ${sent.length} bytes sent, ${received.length} echoed`;
    },
    stop() {
      if (stoppedAt === undefined && closedAt === undefined) stoppedAt = Date.now();
      clearInterval(timer);
      socket.destroy();
    },
  };
}
