// One health check against real peers: openssl s_server (TLS 1.3, and pinned to 1.2),
// a Node TLS server that records the SNI it was sent, a listener that accepts and
// never answers, one that hangs up, one that speaks HTTP, and a closed port.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { createSecureContext, createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPki, type IssuedCert } from "../../../demo/pki.ts";
import { probeEndpoint, type ProbeRequest } from "../../../proxy/dataplane/healthProbe.ts";
import { startOpensslServer } from "../../helpers/opensslServer.ts";
import { freePort } from "../../helpers/ports.ts";
import { startSilentBackend } from "../../helpers/silentBackend.ts";

let dir: string;
let cert: IssuedCert;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "courier-probe-"));
  cert = createPki(join(dir, "pki")).issue("db", ["db.example.com"]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const request = (port: number, kind: ProbeRequest["kind"], timeoutMs = 2_000): ProbeRequest => ({ endpoint: { host: "127.0.0.1", port }, kind, sni: "db.example.com", timeoutMs });

async function listening<T extends TcpServer | TlsServer>(server: T): Promise<{ server: T; port: number }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { server, port: typeof address === "object" && address !== null ? address.port : 0 };
}

describe("tls checks", () => {
  for (const [name, args] of [["openssl s_server", []], ["openssl s_server -tls1_2", ["-tls1_2"]]] as const) {
    test(`${name} answers with a ServerHello`, async () => {
      const server = await startOpensslServer(cert, args);
      try {
        expect(await probeEndpoint(request(server.port, "tls"))).toBe("passed");
      } finally {
        await server.stop();
      }
    });
  }

  test("a Node TLS server answers and sees the route's SNI", async () => {
    const names: string[] = [];
    const context = createSecureContext({ cert: cert.cert, key: cert.key });
    const { server, port } = await listening(
      createTlsServer({
        cert: cert.cert,
        key: cert.key,
        SNICallback: (name, done) => {
          names.push(name);
          done(null, context);
        },
      }),
    );
    server.on("tlsClientError", () => {}); // the check hangs up after the ServerHello
    try {
      expect(await probeEndpoint(request(port, "tls"))).toBe("passed");
      expect(names).toEqual(["db.example.com"]);
    } finally {
      server.close();
    }
  });

  test("a listener that accepts and never answers times out", async () => {
    const silent = startSilentBackend();
    try {
      const started = Date.now();
      expect(await probeEndpoint(request(silent.port, "tls", 300))).toBe("timeout");
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(silent.accepted()).toBe(1);
    } finally {
      silent.close();
    }
  });

  test("a listener that hangs up fails as closed; one that speaks HTTP as not-server-hello", async () => {
    const hangUp = await listening(createTcpServer((socket) => socket.end()));
    const http = await listening(createTcpServer((socket) => socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"))));
    try {
      expect(await probeEndpoint(request(hangUp.port, "tls"))).toBe("closed");
      expect(await probeEndpoint(request(http.port, "tls"))).toBe("not-server-hello");
    } finally {
      hangUp.server.close();
      http.server.close();
    }
  });
});

describe("tcp checks", () => {
  test("a connect passes, even to a listener that never answers", async () => {
    const silent = startSilentBackend();
    try {
      expect(await probeEndpoint(request(silent.port, "tcp"))).toBe("passed");
    } finally {
      silent.close();
    }
  });

  test("a closed port fails as connect-failed", async () => {
    expect(await probeEndpoint(request(await freePort(), "tcp"))).toBe("connect-failed");
    expect(await probeEndpoint(request(await freePort(), "tls"))).toBe("connect-failed");
  });
});
