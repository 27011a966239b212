// A byte-checked stream: a TLS connection through Courier to the echo backend that
// sends a known pseudo-random byte sequence and checks every byte that comes back,
// in order. Bytes sent but never echoed (or echoed wrong) are lost.
import { openTls, type TlsSession } from "../test/helpers/tlsClient.ts";
import { seededRandom } from "../test/helpers/seededRandom.ts";
import { ECHO_SNI } from "./world.ts";

/** The echo backend's first line is a command; any other line makes it echo. */
const PREFIX = Buffer.from("stream\n");

export interface StreamOutcome {
  readonly sent: number;
  readonly verified: number;
  /** True when the stream ended as the client meant it: its FIN answered after every byte came back. */
  readonly completed: boolean;
  /** Why it did not complete (closed by the other side, mismatch, timeout). */
  readonly error?: string | undefined;
  /** When it broke (Date.now()), if it did. */
  readonly brokeAt?: number | undefined;
}

export class ByteStream {
  private readonly random: () => number;
  private readonly expected: Buffer[] = [];
  private sent = 0;
  private verified = 0;
  private error: string | undefined;
  private brokeAt: number | undefined;
  private ended = false;
  private readonly closed: Promise<void>;

  private constructor(private readonly session: TlsSession, seed: number) {
    this.random = seededRandom(seed);
    const socket = session.socket;
    socket.on("data", (chunk: Buffer) => this.check(chunk));
    this.closed = new Promise((done) => {
      socket.once("end", () => {
        this.ended = true;
        if (this.error === undefined && !socket.writableEnded) this.break("closed by the other side");
        done();
      });
      socket.once("close", () => {
        if (!this.ended) this.break("connection closed");
        done();
      });
    });
    socket.on("error", (error) => this.break(error.message));
    this.expected.push(PREFIX);
    socket.write(PREFIX);
  }

  static async open(port: number, ca: string, seed: number, localAddress?: string, sni = ECHO_SNI): Promise<ByteStream> {
    const session = await openTls(port, sni, ca, "127.0.0.1", 10_000, localAddress);
    await session.firstLine;
    return new ByteStream(session, seed);
  }

  get broken(): boolean {
    return this.error !== undefined;
  }

  /** Sends `bytes` more bytes of the sequence (nothing once broken). */
  send(bytes: number): void {
    if (this.error !== undefined || this.session.socket.writableEnded) return;
    const chunk = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i++) chunk[i] = Math.floor(this.random() * 256);
    this.expected.push(chunk);
    this.sent += bytes;
    this.session.socket.write(chunk);
  }

  /** Half-closes and waits (at most `timeoutMs`) for the echo to end. */
  async finish(timeoutMs = 10_000): Promise<StreamOutcome> {
    if (this.error === undefined) this.session.socket.end();
    const timedOut = await Promise.race([this.closed.then(() => false), Bun.sleep(timeoutMs).then(() => true)]);
    if (timedOut) this.break(`no end within ${timeoutMs} ms`);
    this.session.socket.destroy();
    const verified = Math.max(0, this.verified - PREFIX.length);
    return { sent: this.sent, verified, completed: this.error === undefined && verified === this.sent, error: this.error, brokeAt: this.brokeAt };
  }

  private break(message: string): void {
    if (this.error !== undefined) return;
    this.error = message;
    this.brokeAt = Date.now();
  }

  private check(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && this.error === undefined) {
      const front = this.expected[0];
      if (front === undefined) return this.break("more bytes came back than were sent");
      const n = Math.min(front.length, chunk.length - at);
      if (!chunk.subarray(at, at + n).equals(front.subarray(0, n))) return this.break(`wrong bytes after ${this.verified} verified`);
      this.verified += n;
      at += n;
      if (n === front.length) this.expected.shift();
      else this.expected[0] = front.subarray(n);
    }
  }
}
