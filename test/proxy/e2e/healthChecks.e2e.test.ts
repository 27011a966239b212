// Active health checks end to end, file mode: one Service whose endpoints are a real
// TLS backend and a listener that accepts TCP and never answers TLS. With "tls" checks
// the silent one leaves the choice after the unhealthy threshold (every new connection
// lands on the good one), the metrics and the admin page say so; once a real TLS server
// takes over its port, it comes back after the healthy threshold. With "tcp" checks a
// closed port leaves the choice.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { METRIC } from "../../../contract/index.ts";
import { startTlsBackend, type TlsBackend } from "../../../demo/tlsBackend.ts";
import { freePort } from "../../helpers/ports.ts";
import { deadEndpoint, startScenario, type Scenario } from "../../helpers/scenario.ts";
import { startSilentBackend, type SilentBackend } from "../../helpers/silentBackend.ts";
import { openTls } from "../../helpers/tlsClient.ts";
import { until } from "../../helpers/until.ts";

const CHECKS = {
  "courier.dev/health-check-interval": "200ms",
  "courier.dev/health-check-timeout": "100ms",
  "courier.dev/health-check-healthy-threshold": "2",
  "courier.dev/health-check-unhealthy-threshold": "2",
};
const GOOD = "Service default/good:443";
const FLAKY = "Service default/flaky:443";

let world: Scenario;
let silent: SilentBackend;
let revived: TlsBackend | undefined;
let dead: string;
let admin: string;

beforeAll(async () => {
  silent = startSilentBackend();
  dead = await deadEndpoint();
  const adminPort = await freePort();
  admin = `http://127.0.0.1:${adminPort}`;
  world = await startScenario({
    backends: [{ name: "good", dnsNames: ["db.example.com", "tcp.example.com"] }],
    endpointsFor: (b) => [`${b.host}:${b.port}`, `127.0.0.1:${silent.port}`],
    extraEndpoints: (all) => [{ name: "flaky", port: 443, endpoints: [`127.0.0.1:${all.get("good")!.port}`, dead] }],
    routes: [
      { name: "db", hostnames: ["db.example.com"], backends: [{ name: "good", port: 443 }], annotations: { "courier.dev/health-check": "tls", ...CHECKS } },
      { name: "tcpdb", hostnames: ["tcp.example.com"], backends: [{ name: "flaky", port: 443 }], annotations: { "courier.dev/health-check": "tcp", ...CHECKS } },
    ],
    proxyArgs: ["--admin", `127.0.0.1:${adminPort}`],
  });
});

afterAll(async () => {
  await world?.close();
  silent?.close();
  await revived?.close();
});

async function metric(name: string, labels: string): Promise<number | undefined> {
  const text = await (await fetch(`${admin}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && labels.split(",").every((label) => l.includes(label)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

const gauge = (backend: string, state: string): Promise<number | undefined> => metric(METRIC.backendEndpoints, `backend="${backend}",state="${state}"`);

/** Where `count` new connections land, by the greeting of the backend that answered. */
async function landings(serverName: string, count: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const session = await openTls(world.port, serverName, world.pki.ca, "127.0.0.1", 2_000);
    const name = await session.firstLine;
    session.socket.destroy();
    seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  return seen;
}

describe("tls health checks", () => {
  test("an endpoint that accepts TCP but never answers TLS leaves the choice", async () => {
    await until("the silent endpoint counted unhealthy", async () => ((await gauge(GOOD, "unhealthy")) === 1 ? true : undefined));
    expect(await gauge(GOOD, "ready")).toBe(1);
    expect(await metric(METRIC.healthChecks, 'kind="tls",result="timeout"')).toBeGreaterThanOrEqual(2);
    expect(await metric(METRIC.healthChecks, 'kind="tls",result="passed"')).toBeGreaterThanOrEqual(1);
    await world.proxy.waitForLog(new RegExp(`endpoint fails its health checks.*127\\.0\\.0\\.1:${silent.port}`));

    const accepted = silent.accepted();
    expect(await landings("db.example.com", 20)).toEqual(new Map([["good", 20]]));
    // Only checks reached it meanwhile (one per interval at most), no client connection.
    expect(silent.accepted() - accepted).toBeLessThanOrEqual(10);

    const page = await (await fetch(`${admin}/`)).text();
    expect(page).toContain(`<td>${GOOD}</td><td>127.0.0.1:${silent.port}</td><td>ready</td><td>failing: out of the choice</td>`);
    expect(page).toContain(`<td>${GOOD}</td><td>127.0.0.1:${world.backends.get("good")!.port}</td><td>ready</td><td>passing</td>`);
  });

  test("once it answers TLS again it comes back after the healthy threshold", async () => {
    const port = silent.port;
    silent.close();
    revived = await startTlsBackend("revived", world.pki.issue("revived", ["db.example.com"]), "127.0.0.1", port);
    await until("the revived endpoint counted ready", async () => ((await gauge(GOOD, "unhealthy")) === 0 ? true : undefined));
    await world.proxy.waitForLog(new RegExp(`endpoint passes its health checks again.*127\\.0\\.0\\.1:${port}`));
    const seen = await landings("db.example.com", 20);
    expect(seen.get("revived")).toBeGreaterThan(0);
    expect(seen.get("good")).toBeGreaterThan(0);
  });
});

describe("tcp health checks", () => {
  test("a closed port leaves the choice; the open one takes every connection", async () => {
    await until("the closed port counted unhealthy", async () => ((await gauge(FLAKY, "unhealthy")) === 1 ? true : undefined));
    expect(await metric(METRIC.healthChecks, 'kind="tcp",result="connect-failed"')).toBeGreaterThanOrEqual(2);
    expect(await landings("tcp.example.com", 20)).toEqual(new Map([["good", 20]]));
    const page = await (await fetch(`${admin}/`)).text();
    expect(page).toContain(`<td>${FLAKY}</td><td>${dead}</td>`);
    expect(page).toMatch(new RegExp(`<td>${dead}</td><td>[^<]*</td><td>failing: out of the choice</td>`));
  });
});
