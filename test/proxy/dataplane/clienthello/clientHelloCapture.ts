// Test helper: a plain TCP server on 127.0.0.1 that records the first flight of each
// connection (up to the end of the ClientHello's records) and then closes it, so
// tests can parse hellos sent by real TLS clients. Framing here is deliberately
// simple and independent of the reader under test.

import type { Socket, TCPSocketListener } from "bun";

const CAPTURE_TIMEOUT_MS = 10_000;

/** Where the records carrying the ClientHello end in `bytes`, or undefined if not yet. */
export function helloRecordsEnd(bytes: Uint8Array): number | undefined {
  let at = 0;
  let handshakeBytes = 0;
  let handshakeLength = -1;
  const header: number[] = [];
  while (at + 5 <= bytes.length) {
    if (bytes[at] !== 22) return at === 0 ? bytes.length : at; // not a hello: keep what came
    const length = ((bytes[at + 3] ?? 0) << 8) | (bytes[at + 4] ?? 0);
    if (at + 5 + length > bytes.length) return undefined;
    for (let i = 0; i < length && header.length < 4; i++) header.push(bytes[at + 5 + i] ?? 0);
    handshakeBytes += length;
    at += 5 + length;
    if (handshakeLength < 0 && header.length === 4) {
      handshakeLength = 4 + (((header[1] ?? 0) << 16) | ((header[2] ?? 0) << 8) | (header[3] ?? 0));
    }
    if (handshakeLength >= 0 && handshakeBytes >= handshakeLength) return at;
  }
  return undefined;
}

export interface CaptureServer {
  readonly port: number;
  /** The next connection's first flight. */
  next(): Promise<Uint8Array>;
  stop(): void;
}

interface ConnectionState {
  chunks: Buffer[];
  done: boolean;
}

export function startCaptureServer(): CaptureServer {
  const captured: Uint8Array[] = [];
  const waiters: ((bytes: Uint8Array) => void)[] = [];

  const deliver = (bytes: Uint8Array) => {
    const waiter = waiters.shift();
    if (waiter !== undefined) waiter(bytes);
    else captured.push(bytes);
  };

  const listener: TCPSocketListener<ConnectionState> = Bun.listen<ConnectionState>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket: Socket<ConnectionState>) {
        socket.data = { chunks: [], done: false };
      },
      data(socket: Socket<ConnectionState>, chunk: Buffer) {
        const state = socket.data;
        if (state.done) return;
        state.chunks.push(chunk);
        const all = Buffer.concat(state.chunks);
        const end = helloRecordsEnd(all);
        if (end === undefined) return;
        state.done = true;
        deliver(new Uint8Array(all.subarray(0, end)));
        socket.end();
      },
    },
  });

  return {
    port: listener.port,
    next() {
      const ready = captured.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no ClientHello captured in time")), CAPTURE_TIMEOUT_MS);
        waiters.push((bytes) => {
          clearTimeout(timer);
          resolve(bytes);
        });
      });
    },
    stop() {
      listener.stop(true);
    },
  };
}

/** Runs `openssl s_client` against the capture server and returns the hello it sent. */
export async function captureOpenssl(server: CaptureServer, args: readonly string[]): Promise<Uint8Array> {
  const proc = Bun.spawn(["/usr/bin/openssl", "s_client", "-connect", `127.0.0.1:${server.port}`, ...args], {
    stdin: "pipe", // left open: s_client must not see EOF before the handshake
    stdout: "ignore",
    stderr: "ignore",
  });
  try {
    return await server.next();
  } finally {
    proc.kill();
    await proc.exited;
  }
}

/** Runs a Node TLS client in a child `node` process. */
export async function captureNode(server: CaptureServer, servername: string, alpn: readonly string[]): Promise<Uint8Array> {
  const script = `
    const tls = require("node:tls");
    const s = tls.connect({ host: "127.0.0.1", port: ${server.port}, servername: ${JSON.stringify(servername)},
      ALPNProtocols: ${JSON.stringify(alpn)}, rejectUnauthorized: false });
    s.on("error", () => {}); s.on("close", () => process.exit(0));`;
  const proc = Bun.spawn(["node", "-e", script], { stdout: "ignore", stderr: "ignore" });
  try {
    return await server.next();
  } finally {
    proc.kill();
    await proc.exited;
  }
}
