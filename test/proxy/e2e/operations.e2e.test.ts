// Operating the proxy process as a person and Prometheus would: /metrics scraped while
// a real TLS stream is open shows its bytes within seconds; JSON access-log records at
// route time and at close; the admin endpoint answers GET and HEAD only, with a token,
// and no body; the probe port; an SNI with odd bytes is refused on one log line; and
// /readyz fails as soon as draining starts while the open stream keeps flowing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { METRIC } from "../../../contract/index.ts";
import { freePort } from "../../helpers/ports.ts";
import { startScenario, type Scenario } from "../../helpers/scenario.ts";
import { openTls, type TlsSession } from "../../helpers/tlsClient.ts";
import { clientHello } from "../dataplane/clienthello/clientHelloBuilder.ts";
import { until } from "../../helpers/until.ts";

const HOST = "alpha.example.com";
const TOKEN = "s3cret-admin-token";
let world: Scenario;
let adminPort: number;
let probePort: number;

beforeAll(async () => {
  adminPort = await freePort();
  probePort = await freePort();
  world = await startScenario({
    backends: [{ name: "alpha", dnsNames: [HOST] }],
    routes: [{ name: "alpha", hostnames: [HOST], backends: [{ name: "alpha", port: 443 }] }],
    proxyArgs: [
      "--admin", `127.0.0.1:${adminPort}`,
      "--probe-address", `127.0.0.1:${probePort}`,
      "--admin-token-file", tokenFile(),
      "--log-format", "json",
    ],
  });
});

afterAll(async () => {
  await world?.close();
});

function tokenFile(): string {
  const file = join(tmpdir(), `courier-token-${process.pid}`);
  writeFileSync(file, `${TOKEN}\n`);
  return file;
}

/** One sample's value from a Prometheus text exposition. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

async function scrape(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${probePort}/metrics`);
  expect(response.status).toBe(200);
  return await response.text();
}

/** Records logged as JSON, one per line; every line must be one. */
function records(): Record<string, unknown>[] {
  return world.proxy
    .logs()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Sends a request as raw bytes and returns the response's status code. */
function rawStatus(port: number, head: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.write(head);
      socket.write(body, () => {});
    });
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (match !== null) {
        socket.destroy();
        resolve(Number(match[1]));
      }
    });
    socket.once("error", (error) => (text === "" ? reject(error) : undefined));
  });
}

describe("operations", () => {
  let stream: TlsSession;
  const listener = (): string => `127.0.0.1:${world.port}`;

  test("a scrape while a TLS stream is open sees its bytes grow, within 5 s", async () => {
    stream = await openTls(world.port, HOST, world.pki.ca);
    expect(await stream.firstLine).toBe("alpha");
    const echoed: Buffer[] = [];
    stream.socket.on("data", (chunk: Buffer) => echoed.push(chunk));
    const before = sample(await scrape(), METRIC.forwardedBytes, { direction: "upstream", listener: listener() }) ?? 0;
    // Echo mode: every line goes to the backend and comes back.
    const line = `${"x".repeat(1023)}\n`;
    stream.socket.write(line.repeat(256));
    const grown = await until("upstream bytes to grow by 256 KiB", async () => {
      const value = sample(await scrape(), METRIC.forwardedBytes, { direction: "upstream", listener: listener() }) ?? 0;
      return value - before >= 256 * 1024 ? value : undefined;
    });
    const text = await scrape();
    expect(sample(text, METRIC.connectionsActive, { listener: listener() })).toBe(1);
    expect(sample(text, METRIC.backendBytes, { route: "default/alpha", direction: "upstream" })).toBeGreaterThanOrEqual(256 * 1024);
    expect(sample(text, METRIC.forwardedBytes, { direction: "client", listener: listener() })).toBeGreaterThan(0);
    expect(sample(text, `${METRIC.helloWait}_count`, { listener: listener() })).toBeGreaterThanOrEqual(1);
    expect(sample(text, `${METRIC.upstreamConnect}_count`, { listener: listener() })).toBeGreaterThanOrEqual(1);
    // And it keeps growing while the same connection stays open.
    stream.socket.write(line.repeat(64));
    await until("more upstream bytes", async () => ((sample(await scrape(), METRIC.forwardedBytes, { direction: "upstream", listener: listener() }) ?? 0) > grown ? true : undefined));
    expect(stream.socket.destroyed).toBe(false);
  });

  test("access log: a JSON record when routed and one when closed, with bytes, duration and who closed", async () => {
    stream.socket.end();
    const closed = await until("the closed record", () => records().find((r) => r.msg === "closed" && r.route === "default/alpha"));
    const routed = records().find((r) => r.msg === "routed" && r.route === "default/alpha")!;
    expect(routed).toMatchObject({ level: "info", sni: HOST, backend: "Service default/alpha:443", listener: listener() });
    expect(typeof routed.client).toBe("string");
    expect(typeof routed.endpoint).toBe("string");
    expect(routed.hello_ms).toBeGreaterThanOrEqual(0);
    expect(closed).toMatchObject({ sni: HOST, backend: "Service default/alpha:443", endpoint: routed.endpoint, client: routed.client, closed_by: "client", reason: "fin" });
    expect(closed.bytes_up).toBeGreaterThanOrEqual(320 * 1024);
    expect(closed.bytes_down).toBeGreaterThan(0);
    expect(closed.duration_ms).toBeGreaterThan(0);
    const text = await scrape();
    expect(sample(text, METRIC.connectionsClosed, { closed_by: "client", listener: listener() })).toBeGreaterThanOrEqual(1);
    expect(sample(text, `${METRIC.connectionDuration}_count`, { listener: listener() })).toBeGreaterThanOrEqual(1);
  });

  test("an SNI with odd bytes is refused, counted, and logged on one line", async () => {
    const hello = Buffer.from(clientHello({ serverName: [0x61, 0x0a, 0x7b, 0x22, 0x6d, 0x73, 0x67, 0x22, 0x3a, 0x00, 0x1b] }));
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port: world.port }, () => socket.write(hello));
      socket.on("data", () => {});
      socket.once("close", () => resolve());
      socket.once("error", reject);
    });
    const rejected = await until("the rejected record", () => records().find((r) => r.msg === "rejected" && r.reason === "bad-sni"));
    expect(String(rejected.detail)).toContain("0x0a");
    // records() parsed every line as one JSON object: nothing was split or forged.
    expect(sample(await scrape(), METRIC.connectionsRejected, { reason: "bad-sni" })).toBeGreaterThanOrEqual(1);
  });

  test("admin: GET and HEAD only, a bearer token, no request body; probes answer without a token", async () => {
    const admin = `http://127.0.0.1:${adminPort}`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${admin}/`)).status).toBe(401);
    expect((await fetch(`${admin}/`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const page = await fetch(`${admin}/`, { headers: auth });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await page.text()).toContain("default/alpha");
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const response = await fetch(`${admin}/`, { method, headers: auth });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, HEAD");
    }
    const head = await fetch(`${admin}/metrics`, { method: "HEAD", headers: auth });
    expect(head.status).toBe(200);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const big = new Uint8Array(10 * 1024 * 1024);
    expect((await fetch(`${admin}/metrics`, { method: "POST", headers: auth, body: big })).status).not.toBe(200);
    // fetch() will not send a GET with a body; a raw request does.
    expect(await rawStatus(adminPort, `GET /metrics HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ncontent-length: ${big.length}\r\n\r\n`, Buffer.from(big))).toBe(413);
    const probe = `http://127.0.0.1:${probePort}`;
    expect((await fetch(`${probe}/healthz`)).status).toBe(200);
    expect((await fetch(`${probe}/readyz`)).status).toBe(200);
    expect((await fetch(`${probe}/`)).status).toBe(404);
    expect((await fetch(`${probe}/readyz`, { method: "DELETE" })).status).toBe(405);
  });

  test("/readyz fails as soon as draining starts; the open stream keeps flowing", async () => {
    const open = await openTls(world.port, HOST, world.pki.ca);
    expect(await open.firstLine).toBe("alpha");
    world.proxy.child.kill("SIGTERM");
    await until("/readyz to fail", async () => {
      const response = await fetch(`http://127.0.0.1:${probePort}/readyz`).catch(() => undefined);
      return response?.status === 503 ? response : undefined;
    });
    expect(await (await fetch(`http://127.0.0.1:${probePort}/readyz`)).text()).toBe("draining\n");
    // Draining waits for this connection: it still echoes.
    const echo = new Promise<string>((resolve) => open.socket.once("data", (chunk: Buffer) => resolve(chunk.toString())));
    open.socket.write("ping\n");
    expect(await echo).toBe("ping\n");
    open.socket.end();
  });
});
