// A TCP relay on loopback that a test can take down and bring back on the same port:
// what a client sees of a server that goes away and returns (refused connections,
// established ones cut), without touching the server itself. It can also freeze:
// connections stay open but no byte moves either way, the way a dead network path
// or a half-open connection behind a NAT looks to a client.
import { createServer, connect, type Server, type Socket } from "node:net";

export interface TcpRelay {
  readonly port: number;
  /** Closes the listening socket and destroys every relayed connection. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Stops moving bytes (both ways, on every connection, old and new) until thaw(). */
  freeze(): void;
  /** Stops moving bytes on the connections open now only; new ones work (a dropped NAT entry). */
  freezeExisting(): void;
  thaw(): void;
}

export async function startTcpRelay(targetHost: string, targetPort: number, port = 0): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let boundPort = port;
  let frozen = false;

  const listen = async (): Promise<void> => {
    const s = createServer((client) => {
      const upstream = connect({ host: targetHost, port: targetPort });
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
      if (frozen) {
        client.pause();
        upstream.pause();
      }
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(boundPort, "127.0.0.1", () => resolve());
    });
    const address = s.address();
    if (typeof address === "object" && address !== null) boundPort = address.port;
    server = s;
  };

  await listen();
  return {
    get port() {
      return boundPort;
    },
    async stop() {
      const s = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    start: listen,
    freeze() {
      frozen = true;
      // Paused readers leave bytes in the kernel buffers: nothing is lost, nothing arrives.
      for (const socket of sockets) socket.pause();
    },
    freezeExisting() {
      for (const socket of sockets) socket.pause();
    },
    thaw() {
      frozen = false;
      for (const socket of sockets) socket.resume();
    },
  };
}
