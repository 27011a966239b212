// A backend that accepts TCP and never answers: it reads whatever comes and says
// nothing, like a TLS server whose process is wedged behind a live listen socket.
import type { Socket, TCPSocketListener } from "bun";

export interface SilentBackend {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Stops listening and drops every connection. */
  close(): void;
}

export function startSilentBackend(port = 0, host = "127.0.0.1"): SilentBackend {
  let accepted = 0;
  const sockets = new Set<Socket<undefined>>();
  const listener: TCPSocketListener<undefined> = Bun.listen<undefined>({
    hostname: host,
    port,
    socket: {
      open(socket) {
        accepted++;
        sockets.add(socket);
      },
      data() {},
      close(socket) {
        sockets.delete(socket);
      },
    },
  });
  return {
    host,
    port: listener.port,
    accepted: () => accepted,
    close() {
      listener.stop(true);
      for (const socket of sockets) socket.terminate();
    },
  };
}
