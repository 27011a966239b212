// Many byte-checked streams sending a chunk each every so often, opened a few at a
// time; their totals at the end.
import { ByteStream, type StreamOutcome } from "./byteStream.ts";

export interface StreamTotals {
  readonly streams: number;
  readonly sent: number;
  readonly verified: number;
  readonly completed: number;
  /** Sent bytes of streams that did not complete that never came back. */
  readonly lost: number;
  readonly errors: readonly string[];
  readonly outcomes: readonly StreamOutcome[];
}

export interface StreamSetOptions {
  readonly count: number;
  readonly port: number;
  readonly ca: string;
  readonly seed: number;
  readonly chunkBytes: number;
  readonly intervalMs: number;
  /** The name the streams ask for (default the file-mode world's echo route). */
  readonly sni?: string;
  /** Source addresses to spread the streams over (default: the kernel's choice). */
  readonly localAddresses?: readonly string[];
}

export class StreamSet {
  private readonly timers: ReturnType<typeof setTimeout>[] = [];

  private constructor(readonly streams: readonly ByteStream[]) {}

  static async open(options: StreamSetOptions): Promise<StreamSet> {
    const streams: ByteStream[] = [];
    const BATCH = 25;
    for (let i = 0; i < options.count; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, options.count - i) }, (_, j) =>
        ByteStream.open(options.port, options.ca, options.seed + i + j, options.localAddresses?.[(i + j) % options.localAddresses.length], options.sni),
      );
      streams.push(...(await Promise.all(batch)));
    }
    const set = new StreamSet(streams);
    streams.forEach((stream, i) => {
      // Spread over the interval so the writes do not come in one burst.
      const start = setTimeout(() => {
        stream.send(options.chunkBytes);
        set.timers.push(setInterval(() => stream.send(options.chunkBytes), options.intervalMs));
      }, (i * options.intervalMs) / streams.length);
      set.timers.push(start);
    });
    return set;
  }

  /** Streams broken so far. */
  brokenCount(): number {
    return this.streams.filter((s) => s.broken).length;
  }

  /** Stops sending and ends every stream. */
  async finish(timeoutMs = 10_000): Promise<StreamTotals> {
    for (const t of this.timers) clearTimeout(t);
    const outcomes = await Promise.all(this.streams.map((s) => s.finish(timeoutMs)));
    return totalsOf(outcomes);
  }
}

function totalsOf(outcomes: readonly StreamOutcome[]): StreamTotals {
  return {
    streams: outcomes.length,
    sent: outcomes.reduce((n, o) => n + o.sent, 0),
    verified: outcomes.reduce((n, o) => n + o.verified, 0),
    completed: outcomes.filter((o) => o.completed).length,
    lost: outcomes.reduce((n, o) => n + (o.sent - o.verified), 0),
    errors: [...new Set(outcomes.flatMap((o) => (o.error === undefined ? [] : [o.error])))].slice(0, 3),
    outcomes,
  };
}
