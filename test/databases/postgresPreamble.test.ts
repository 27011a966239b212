// What a PostgreSQL client may send before (or instead of) its ClientHello, each
// exercised with a real client against real servers: a plaintext startup message and a
// plaintext CancelRequest (refused, with a log line that says why), a GSSENCRequest
// (answered "N", after which the SSLRequest path works), and direct TLS negotiation
// (PostgreSQL 17's sslnegotiation=direct: a ClientHello with ALPN "postgresql" at once).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls, type TLSSocket } from "node:tls";
import { join } from "node:path";
import { collect } from "../helpers/childOutput.ts";
import { conninfo, psql, type PostgresServer } from "../helpers/postgres.ts";
import { writeFakeTgtCache } from "./kerberosCache.ts";
import { ALPHA_HOST, BETA_HOST, startPostgresWorld, type PostgresWorld } from "./postgresWorld.ts";

const GSSENC_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30]);
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
/** What PostgreSQL 15 logs when a connection starts with a TLS record instead of a startup packet. */
const NOT_A_STARTUP_PACKET = "invalid length of startup packet";

let world: PostgresWorld;

beforeAll(async () => {
  world = await startPostgresWorld();
}, 120_000);

afterAll(async () => {
  await world?.close();
});

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

function readByte(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once("data", (chunk: Buffer) => resolve(chunk.subarray(0, 1).toString("latin1")));
    socket.once("error", reject);
    socket.once("end", () => reject(new Error("closed before answering")));
  });
}

describe("plaintext requests cannot be routed and are refused with a reason", () => {
  test("psql with sslmode=disable: refused, logged as pg-plaintext-startup, no server sees it", async () => {
    const before = [world.alpha.logs().length, world.beta.logs().length];
    const result = await psql(world.via(ALPHA_HOST, "sslmode=disable"), "SELECT 1");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("server closed the connection unexpectedly");
    const line = await world.proxy.waitForLog(/INFO  rejected .*reason=pg-plaintext-startup/);
    expect(line).toContain("carries no SNI; connect with sslmode=require or stricter");
    expect(world.alpha.logs().slice(before[0])).not.toContain("connection received: host=127.0.0.1");
    expect(world.beta.logs().slice(before[1])).not.toContain("connection received: host=127.0.0.1");
  });

  test("psql's query cancel (libpq < 17 sends CancelRequest in plaintext): logged as pg-plaintext-cancel", async () => {
    const sleeper = spawn("psql", [world.via(ALPHA_HOST), "-X", "-c", "SELECT pg_sleep(120) /* courier-cancel-test */"], { stdio: ["ignore", "pipe", "pipe"] });
    const done = collect(sleeper);
    try {
      // Interrupt only once the query runs, so psql holds a cancel handle to use.
      await until(async () => {
        const active = await psql(world.direct(world.alpha, ALPHA_HOST), "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%courier-cancel-test%' AND state = 'active' AND pid <> pg_backend_pid()");
        return active.stdout.trim() === "1";
      }, "the sleeping query");
      sleeper.kill("SIGINT");
      const line = await world.proxy.waitForLog(/INFO  rejected .*reason=pg-plaintext-cancel/);
      expect(line).toContain("a CancelRequest carries no SNI");
    } finally {
      sleeper.kill("SIGKILL");
      await done;
      // The server would sleep on and keep the half-closed session open; end it.
      await psql(world.direct(world.alpha, ALPHA_HOST), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%courier-cancel-test%' AND pid <> pg_backend_pid()");
    }
  });
});

describe("GSSAPI encryption request", () => {
  test("a GSSENCRequest gets N, and the SSLRequest that follows reaches the named server", async () => {
    const tcp = connectTcp({ host: "127.0.0.1", port: world.port });
    await new Promise<void>((resolve, reject) => tcp.once("connect", resolve).once("error", reject));
    tcp.write(GSSENC_REQUEST);
    expect(await readByte(tcp)).toBe("N");
    tcp.write(SSL_REQUEST);
    expect(await readByte(tcp)).toBe("S");
    // libpq's next step: TLS on the same socket, verifying the server's name.
    const tls = connectTls({ socket: tcp, servername: BETA_HOST, ca: world.pki.ca });
    await new Promise<void>((resolve, reject) => tls.once("secureConnect", resolve).once("error", reject));
    expect(tls.authorized).toBe(true);
    expect(tls.getPeerCertificate().subjectaltname).toBe(`DNS:${BETA_HOST}`);
    tls.destroy();
  });

  test("psql holding Kerberos credentials sends a GSSENCRequest first, and still connects through the proxy", async () => {
    const cache = join(world.dir, "krb5cc");
    writeFakeTgtCache(cache);
    const env = { KRB5CCNAME: `FILE:${cache}` };
    // First show that this psql really opens with a GSSENCRequest (libpq's default
    // gssencmode=prefer tries it only when it finds credentials): a listener that
    // records the first 8 bytes and hangs up.
    let first: Buffer | undefined;
    const recorder = Bun.listen<undefined>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(socket, chunk) {
          first ??= Buffer.from(chunk.subarray(0, 8));
          socket.end();
        },
      },
    });
    try {
      const probe = await psql(conninfo(ALPHA_HOST, recorder.port, world.pki.caFile, "gssencmode=prefer"), "SELECT 1", { env });
      expect(probe.code).toBe(2);
    } finally {
      recorder.stop(true);
    }
    expect(first?.equals(GSSENC_REQUEST)).toBe(true);
    // The same client through Courier: "N", then SSLRequest and TLS to the named server.
    const result = await psql(world.via(BETA_HOST, "gssencmode=prefer"), "SELECT current_setting('cluster_name'), encrypted FROM pg_stat_gssapi WHERE pid = pg_backend_pid()", { env });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("beta|f");
  });
});

describe("direct TLS negotiation (sslnegotiation=direct, PostgreSQL 17+ clients)", () => {
  async function directHello(hostname: string): Promise<void> {
    const socket: TLSSocket = connectTls({ host: "127.0.0.1", port: world.port, servername: hostname, ALPNProtocols: ["postgresql"], ca: world.pki.ca });
    // PostgreSQL 15 expects a startup packet and hangs up on a ClientHello: the handshake fails.
    await new Promise<void>((resolve) => {
      socket.once("error", () => resolve());
      socket.once("close", () => resolve());
    });
    socket.destroy();
  }

  async function reachedOnly(target: PostgresServer, other: PostgresServer, hostname: string): Promise<void> {
    const before = [count(target.logs(), NOT_A_STARTUP_PACKET), count(other.logs(), NOT_A_STARTUP_PACKET)];
    const routedLines = (): number => world.proxy.logs().split("\n").filter((l) => l.includes(" routed ") && l.includes(`sni=${hostname} `)).length;
    const routedBefore = routedLines();
    await directHello(hostname);
    // The ClientHello arrived at the named server itself, which could not parse it.
    await until(() => count(target.logs(), NOT_A_STARTUP_PACKET) === before[0]! + 1, `${target.name} to log the ClientHello`);
    expect(count(other.logs(), NOT_A_STARTUP_PACKET)).toBe(before[1]!);
    expect(routedLines()).toBe(routedBefore + 1);
    const routed = world.proxy.logs().split("\n").filter((l) => l.includes(" routed ") && l.includes(`sni=${hostname} `)).at(-1);
    expect(routed).toContain(`endpoint=127.0.0.1:${target.port}`);
    // No SSLRequest was involved: this is the plain passthrough path.
    expect(routed).not.toContain("postgres=true");
  }

  test("a ClientHello with ALPN postgresql and SNI reaches the server it names", async () => {
    await reachedOnly(world.beta, world.alpha, BETA_HOST);
    await reachedOnly(world.alpha, world.beta, ALPHA_HOST);
  });
});
