// A plain TCP backend for stream tests at the byte level. The proxy does not care
// that it never speaks TLS: it replays the client's ClientHello, which this server
// skips (it is told the hello's length), then does one job per connection:
//   "count": count the bytes after the hello until the client's FIN, answer
//            "count=N\n", then close;
//   "send":  send `sendBytes` bytes as fast as the client takes them, then close.
import { createServer, type Server, type Socket } from "node:net";

export interface RawBackend {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startRawBackend(mode: "count" | "send", helloLength: number, sendBytes = 0): Promise<RawBackend> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let skipped = 0;
    let counted = 0;
    let sending = false;
    socket.on("data", (chunk: Buffer) => {
      const skip = Math.min(helloLength - skipped, chunk.length);
      skipped += skip;
      counted += chunk.length - skip;
      if (mode === "send" && skipped === helloLength && !sending) {
        sending = true;
        const block = Buffer.alloc(256 * 1024, 0x62);
        let left = sendBytes;
        const pump = (): void => {
          while (left > 0) {
            const n = Math.min(left, block.length);
            left -= n;
            if (!socket.write(n === block.length ? block : block.subarray(0, n))) return void socket.once("drain", pump);
          }
          socket.end();
        };
        pump();
      }
    });
    socket.on("end", () => {
      if (mode === "count") socket.end(`count=${counted}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    host: "127.0.0.1",
    port: typeof address === "object" && address !== null ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
