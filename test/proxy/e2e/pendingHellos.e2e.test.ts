// Per-client fairness, end to end on real sockets: a flood of idle connections from
// 127.0.0.2 that never send a ClientHello holds only its share of pending slots;
// a real TLS client from 127.0.0.3 still gets through; the excess is refused,
// counted and logged; once the flood closes, 127.0.0.2 gets in again.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { freePort } from "../../helpers/ports.ts";
import { startScenario, type Scenario } from "../../helpers/scenario.ts";
import { openTls } from "../../helpers/tlsClient.ts";

const PER_CLIENT = 8;
const FLOOD = 20;

let s: Scenario;
let admin: string;
const flood: Socket[] = [];

beforeAll(async () => {
  const adminPort = await freePort();
  admin = `http://127.0.0.1:${adminPort}`;
  s = await startScenario({
    backends: [{ name: "fair", dnsNames: ["fair.example.com"] }],
    routes: [{ name: "fair", hostnames: ["fair.example.com"], backends: [{ name: "fair", port: 443 }] }],
    proxyArgs: ["--max-pending-per-client", String(PER_CLIENT), "--max-pending", "1000", "--admin", `127.0.0.1:${adminPort}`],
  });
});

afterAll(async () => {
  for (const socket of flood) socket.destroy();
  await s?.close();
});

/** Opens an idle connection from `localAddress`; resolves whether the proxy closed it within `waitMs`. */
function idleConnection(localAddress: string, waitMs: number): Promise<{ readonly socket: Socket; readonly closedByProxy: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: s.port, localAddress });
    let timer: ReturnType<typeof setTimeout> | undefined;
    socket.once("error", reject);
    socket.once("connect", () => {
      timer = setTimeout(() => resolve({ socket, closedByProxy: false }), waitMs);
    });
    socket.once("end", () => {
      clearTimeout(timer);
      resolve({ socket, closedByProxy: true });
    });
  });
}

async function rejectedCount(reason: string): Promise<number> {
  const text = await (await fetch(`${admin}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("courier_connections_rejected_total{") && l.includes(`reason="${reason}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}

async function roundTrip(localAddress: string): Promise<string> {
  const session = await openTls(s.port, "fair.example.com", s.pki.ca, "127.0.0.1", 5_000, localAddress);
  try {
    expect(await session.firstLine).toBe("fair");
    const echoed = new Promise<string>((resolve) => session.socket.once("data", (chunk: Buffer) => resolve(chunk.toString())));
    session.socket.write(`from ${localAddress}\n`);
    return await echoed;
  } finally {
    session.socket.destroy();
  }
}

describe("pending ClientHello caps", () => {
  test("an idle flood from one address keeps only its share; another client still gets through", async () => {
    // One at a time, so which ones are refused is certain: the first PER_CLIENT stay.
    const outcomes: boolean[] = [];
    for (let i = 0; i < FLOOD; i++) {
      const { socket, closedByProxy } = await idleConnection("127.0.0.2", i < PER_CLIENT ? 50 : 2_000);
      flood.push(socket);
      outcomes.push(closedByProxy);
    }
    expect(outcomes.filter((closed) => !closed).length).toBe(PER_CLIENT);
    expect(outcomes.slice(PER_CLIENT).every((closed) => closed)).toBe(true);

    expect(await roundTrip("127.0.0.3")).toBe("from 127.0.0.3\n");

    expect(await rejectedCount("too-many-pending-from-client")).toBe(FLOOD - PER_CLIENT);
    expect(await s.proxy.waitForLog(/rejected client=127\.0\.0\.2:\d+ reason=too-many-pending-from-client/)).toContain(`listener=127.0.0.1:${s.port}`);
  });

  test("once the flood closes, its address gets in again", async () => {
    for (const socket of flood.splice(0)) socket.destroy();
    // The proxy sees the closes asynchronously: retry for a bounded while.
    let last: unknown;
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        expect(await roundTrip("127.0.0.2")).toBe("from 127.0.0.2\n");
        return;
      } catch (error) {
        last = error;
        await Bun.sleep(100);
      }
    }
    throw last;
  });
});
