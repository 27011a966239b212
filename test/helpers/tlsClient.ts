// A TLS client that records what it needs to prove passthrough: the peer certificate
// it verified against the test CA, and the bytes it got back.
import { connect, type TLSSocket } from "node:tls";

export interface TlsSession {
  readonly socket: TLSSocket;
  /** Subject alternative names of the certificate the client verified. */
  readonly peerNames: string;
  /** Resolves with the first line the server sends (backends greet with their name). */
  readonly firstLine: Promise<string>;
}

/** `localAddress`: the client's source address (any 127.x.y.z on loopback), so a backend can tell it from the proxy's. */
export async function openTls(port: number, serverName: string, ca: string, host = "127.0.0.1", timeoutMs = 5_000, localAddress?: string): Promise<TlsSession> {
  return await new Promise<TlsSession>((resolve, reject) => {
    const socket = connect({ host, port, servername: serverName, ca, ...(localAddress === undefined ? {} : { localAddress }) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TLS to ${serverName} via ${host}:${port}: no handshake within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once("close", () => {
      clearTimeout(timer);
      reject(new Error(`TLS to ${serverName} via ${host}:${port}: closed before the handshake`));
    });
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const firstLine = new Promise<string>((resolveLine, rejectLine) => {
        let text = "";
        const onData = (chunk: Buffer): void => {
          text += chunk.toString("latin1");
          const newline = text.indexOf("\n");
          if (newline === -1) return;
          socket.off("data", onData);
          const rest = text.slice(newline + 1);
          if (rest.length > 0) socket.unshift(Buffer.from(rest, "latin1"));
          resolveLine(text.slice(0, newline));
        };
        socket.on("data", onData);
        socket.once("end", () => rejectLine(new Error("ended before a line")));
      });
      firstLine.catch(() => {});
      resolve({ socket, peerNames: socket.getPeerCertificate().subjectaltname ?? "", firstLine });
    });
  });
}

/** Connects, reads the backend's greeting and closes: where did this SNI land? */
export async function landing(port: number, serverName: string, ca: string): Promise<string> {
  const session = await openTls(port, serverName, ca);
  try {
    return await session.firstLine;
  } finally {
    session.socket.destroy();
  }
}

/** Resolves true when the proxy refuses the connection (EOF or reset before any TLS). */
export async function isRefused(port: number, serverName: string, ca: string): Promise<boolean> {
  try {
    const session = await openTls(port, serverName, ca);
    session.socket.destroy();
    return false;
  } catch {
    return true;
  }
}
