// One direction of a proxied connection (client->upstream or upstream->client):
// the bytes the sink has not accepted yet, and where its end-of-stream stands.
// Bun's write() takes what the kernel accepts and no more, so the rest waits here
// while the source is paused; the sink's drain event flushes it and resumes.
import type { Socket } from "bun";

export class Flow {
  /** Bytes read from the source that the sink has not accepted yet. */
  queue: Buffer[] | undefined;
  queued = 0;
  /** The source is paused because of this flow's backlog. */
  paused = false;
  /** The source has finished sending (FIN or close). */
  eof = false;
  /** The end of stream has been passed on to the sink. */
  shut = false;
  /** Bytes delivered to the sink. */
  bytes = 0;

  /** Holds bytes for later without writing (before the sink exists). */
  hold(chunk: Buffer): void {
    (this.queue ??= []).push(chunk);
    this.queued += chunk.length;
  }

  /**
   * Writes a chunk or queues what the sink did not take, pausing the source.
   * Returns false when the sink is closed.
   */
  forward(chunk: Buffer, sink: Socket<unknown>, source: Socket<unknown>): boolean {
    if (this.queued > 0) {
      this.hold(chunk);
      return true;
    }
    const written = sink.write(chunk);
    if (written < 0) return false;
    this.bytes += written;
    if (written < chunk.length) {
      this.hold(written === 0 ? chunk : chunk.subarray(written));
      this.pause(source);
    }
    return true;
  }

  pause(source: Socket<unknown>): void {
    if (!this.paused) {
      source.pause();
      this.paused = true;
    }
  }

  /**
   * Writes queued bytes. Returns "blocked" while the sink is still full, "closed"
   * when it is gone, "empty" once everything was written (the source is resumed and
   * a pending end of stream passed on). `closing`: the caller closes the sink right
   * after an end of stream, which sends the FIN, so no shutdown() is needed.
   */
  flush(sink: Socket<unknown>, source: Socket<unknown> | undefined, closing = false): "empty" | "blocked" | "closed" {
    const queue = this.queue;
    while (queue !== undefined && queue.length > 0) {
      const chunk = queue[0]!;
      const written = sink.write(chunk);
      if (written < 0) return "closed";
      this.bytes += written;
      this.queued -= written;
      if (written < chunk.length) {
        queue[0] = chunk.subarray(written);
        return "blocked";
      }
      queue.shift();
    }
    this.queue = undefined;
    if (this.eof) {
      if (!this.shut) {
        if (!closing) sink.shutdown();
        this.shut = true;
      }
    } else if (this.paused && source !== undefined) {
      source.resume();
      this.paused = false;
    }
    return "empty";
  }
}
