// A real TLS server standing in for a backend (the demo's and the tests'). It greets each client with its name,
// so a test knows where a connection landed, then obeys a one-line command:
//   "send N\n"  send N bytes, then close its side;
//   "count\n"   count bytes until the client's FIN, answer "count=N\n", then close;
//   anything else is echoed back.
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { IssuedCert } from "./pki.ts";

export interface TlsBackend {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

function sendBytes(socket: TLSSocket, total: number): void {
  const block = Buffer.alloc(64 * 1024, 0x61);
  let left = total;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, block.length);
      left -= n;
      if (!socket.write(n === block.length ? block : block.subarray(0, n))) {
        socket.once("drain", pump);
        return;
      }
    }
    socket.end();
  };
  pump();
}

export async function startTlsBackend(name: string, cert: IssuedCert, host = "127.0.0.1", port = 0): Promise<TlsBackend> {
  let accepted = 0;
  const sockets = new Set<TLSSocket>();
  const server: Server = createServer({ cert: cert.cert, key: cert.key, allowHalfOpen: true }, (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.write(`${name}\n`);
    let mode: "command" | "echo" | "count" = "command";
    let pending = "";
    let counted = 0;
    socket.on("data", (chunk: Buffer) => {
      if (mode === "echo") return void socket.write(chunk);
      if (mode === "count") return void (counted += chunk.length);
      pending += chunk.toString("latin1");
      const newline = pending.indexOf("\n");
      if (newline === -1) return;
      const line = pending.slice(0, newline);
      const rest = Buffer.from(pending.slice(newline + 1), "latin1");
      const send = /^send (\d+)$/.exec(line);
      if (send !== null) return sendBytes(socket, Number(send[1]));
      if (line === "count") {
        mode = "count";
        counted = rest.length;
        return;
      }
      mode = "echo";
      socket.write(`${line}\n`);
      if (rest.length > 0) socket.write(rest);
    });
    socket.on("end", () => {
      if (mode === "count") socket.end(`count=${counted}\n`);
      else socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  return {
    name,
    host,
    port: bound,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
