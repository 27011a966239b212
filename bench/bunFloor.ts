// "Bun floor": the least a Bun proxy can do per connection and per byte, to tell
// Courier's own costs from the runtime's. No ClientHello parsing, no routing table,
// no timers, metrics or logs: one listening port per backend, accept, Bun.connect,
// pipe both ways with the same write/pause/drain backpressure Courier uses.
//   bun bench/bunFloor.ts LISTEN_PORT:BACKEND_PORT ...
import type { Socket } from "bun";

interface Side {
  peer: Socket<Side> | undefined;
  /** Bytes for `peer` that it has not accepted yet (or that arrived before it existed). */
  queue: Buffer[];
  /** This socket reached EOF; pass it on once the queue is flushed. */
  eof: boolean;
  /** The other direction's state, so drain on one socket can resume the other. */
  other: Side | undefined;
  socket: Socket<Side> | undefined;
}

function side(): Side {
  return { peer: undefined, queue: [], eof: false, other: undefined, socket: undefined };
}

/** Writes what the peer takes; the rest waits and the source pauses. */
function forward(from: Side, chunk: Buffer): void {
  const peer = from.peer;
  if (peer === undefined || from.queue.length > 0) {
    from.queue.push(chunk);
    return;
  }
  const written = peer.write(chunk);
  if (written < chunk.length) {
    from.queue.push(written <= 0 ? chunk : chunk.subarray(written));
    from.socket?.pause();
  }
}

/** Called when `from.peer` drained (or just opened): flushes, resumes, passes EOF on. */
function flush(from: Side): void {
  const peer = from.peer;
  if (peer === undefined) return;
  while (from.queue.length > 0) {
    const chunk = from.queue[0]!;
    const written = peer.write(chunk);
    if (written < chunk.length) {
      from.queue[0] = chunk.subarray(Math.max(0, written));
      return;
    }
    from.queue.shift();
  }
  from.socket?.resume();
  if (from.eof) peer.shutdown();
}

function onEnd(from: Side): void {
  from.eof = true;
  if (from.queue.length === 0) from.peer?.shutdown();
}

function listen(port: number, backend: number): void {
  Bun.listen<Side>({
    hostname: "127.0.0.1",
    port,
    allowHalfOpen: true,
    data: side(),
    socket: {
      open(client) {
        const down = side();
        const up = side();
        up.socket = client;
        up.other = down;
        down.other = up;
        client.data = up; // bytes from the client flow "up"
        void Bun.connect<Side>({
          hostname: "127.0.0.1",
          port: backend,
          allowHalfOpen: true,
          data: down,
          socket: {
            open(upstream) {
              up.peer = upstream;
              down.peer = client;
              down.socket = upstream;
              flush(up);
            },
            data(upstream, chunk) {
              forward(upstream.data, chunk);
            },
            drain(upstream) {
              flush(upstream.data.other!);
            },
            end(upstream) {
              onEnd(upstream.data);
            },
            close() {
              client.end();
            },
            connectError() {
              client.end();
            },
          },
        }).catch(() => {});
      },
      data(client, chunk) {
        forward(client.data, chunk);
      },
      drain(client) {
        flush(client.data.other!);
      },
      end(client) {
        onEnd(client.data);
      },
      close(client) {
        client.data.peer?.end();
      },
    },
  });
}

for (const pair of process.argv.slice(2)) {
  const [port, backend] = pair.split(":").map(Number);
  if (port === undefined || backend === undefined || !(port > 0) || !(backend > 0)) throw new Error(`bad LISTEN:BACKEND pair ${pair}`);
  listen(port, backend);
}
