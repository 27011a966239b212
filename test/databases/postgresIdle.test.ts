// Long-lived database sessions and the per-route connection settings: a route's
// courier.dev/idle-timeout overrides the proxy's default (here shortened to 2s, with
// the route asking for 1h, standing in for nginx's 10-minute default against a
// session idle for longer), and courier.dev/tcp-keepalive sets the keepalive delay on
// that route's sockets.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { ALPHA_HOST, BETA_HOST, startPostgresWorld, type PostgresWorld } from "./postgresWorld.ts";
import { openPsqlSession, type PsqlSession } from "./psqlSession.ts";

let world: PostgresWorld;
const sessions: PsqlSession[] = [];

beforeAll(async () => {
  world = await startPostgresWorld({
    alphaAnnotations: { "courier.dev/idle-timeout": "1h", "courier.dev/tcp-keepalive": "30s" },
    // Debug logging names every connection the proxy ends, with the reason.
    proxyArgs: ["--idle-timeout", "2s", "--keepalive", "60s", "--log-level", "debug"],
  });
}, 120_000);

afterAll(async () => {
  for (const s of sessions) await s.end();
  await world?.close();
});

function open(hostname: string): PsqlSession {
  const session = openPsqlSession(world.via(hostname));
  sessions.push(session);
  return session;
}

/** The client port of the newest connection the proxy routed for `hostname`. */
function clientPort(hostname: string): number {
  const line = world.proxy.logs().split("\n").filter((l) => l.includes(" routed ") && l.includes(`sni=${hostname} `)).at(-1);
  const port = /client=127\.0\.0\.1:(\d+)/.exec(line ?? "")?.[1];
  if (port === undefined) throw new Error(`no routed connection for ${hostname}`);
  return Number(port);
}

/**
 * Seconds until the keepalive timer of the proxy's socket to a client fires, from
 * /proc/net/tcp (timer kind 2 is keepalive; the delay is in 1/100 s). Undefined while
 * another timer runs (e.g. retransmit, until the last reply is acknowledged).
 */
function keepAliveSeconds(proxyPort: number, peerPort: number): number | undefined {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, "0");
  const local = `0100007F:${hex(proxyPort)}`;
  const remote = `0100007F:${hex(peerPort)}`;
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] !== local || fields[2] !== remote) continue;
    const [kind, when] = fields[5]!.split(":");
    if (kind !== "02") return undefined;
    return parseInt(when!, 16) / 100;
  }
  throw new Error(`no socket ${local} -> ${remote} in /proc/net/tcp`);
}

async function idleKeepAliveSeconds(proxyPort: number, peerPort: number): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const seconds = keepAliveSeconds(proxyPort, peerPort);
    if (seconds !== undefined) return seconds;
    await Bun.sleep(50);
  }
  throw new Error(`the proxy's socket to client port ${peerPort} shows no keepalive timer`);
}

describe("per-route idle timeout and keepalive", () => {
  test("a session idle past the proxy default survives on a route with a longer idle timeout; one without is closed", async () => {
    const patient = open(ALPHA_HOST);
    expect(await patient.query("SELECT current_setting('cluster_name')")).toBe("alpha\n");
    const plain = open(BETA_HOST);
    expect(await plain.query("SELECT current_setting('cluster_name')")).toBe("beta\n");

    // Both now sit idle; the proxy ends the one that relies on its 2s default.
    await world.proxy.waitForLog(new RegExp(`INFO  closed .*sni=${BETA_HOST.replaceAll(".", "\\.")} .*closed_by=proxy reason=idle-timeout`), 30_000);
    await expect(plain.query("SELECT 1")).rejects.toThrow();
    const ended = await plain.exited;
    expect(ended.code).toBe(2);
    expect(ended.stderr).toContain("connection to server was lost");

    // The other session, idle since before that, stays idle well past the default too.
    await Bun.sleep(3_000);
    expect(await patient.query("SELECT current_setting('cluster_name')")).toBe("alpha\n");
    const alphaIdleClosed = world.proxy.logs().split("\n").filter((l) => l.includes(" closed ") && l.includes(`sni=${ALPHA_HOST} `) && l.includes("reason=idle-timeout"));
    expect(alphaIdleClosed).toEqual([]);
  }, 60_000);

  test("courier.dev/tcp-keepalive sets the keepalive delay of that route's connections", async () => {
    const withSetting = open(ALPHA_HOST);
    await withSetting.query("SELECT 1");
    const withDefault = open(BETA_HOST);
    await withDefault.query("SELECT 1");
    // The route asks for 30s, the proxy default is 60s.
    expect(await idleKeepAliveSeconds(world.port, clientPort(ALPHA_HOST))).toBeLessThanOrEqual(30);
    expect(await idleKeepAliveSeconds(world.port, clientPort(BETA_HOST))).toBeGreaterThan(30);
  });
});
