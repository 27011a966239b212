// redis-cli over TLS (SNI set with --sni) through Courier to a real Redis server that
// only speaks TLS: commands, a 10 MB value both ways, and a SUBSCRIBE connection that
// keeps receiving while the proxy reloads its configuration 50 times.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPki, type Pki } from "../../demo/pki.ts";
import { COURIER_CLASS, gatewayManifest, routeManifest, writeScenario } from "../helpers/manifests.ts";
import { freePort } from "../helpers/ports.ts";
import { startProxy, type ProxyProcess } from "../helpers/proxyProcess.ts";
import { redisCli, redisStream, redisTlsArgs, startRedis, type RedisServer } from "../helpers/redis.ts";

const HOST = "redis.cache.svc.cluster.local";
const VALUE_BYTES = 10 * 1024 * 1024;

let dir: string;
let pki: Pki;
let redis: RedisServer;
let proxy: ProxyProcess;
let port: number;
let files: { manifests: string; endpoints: string };

/** Writes the configuration; `churn` changes an unrelated route so each reload differs. */
function writeConfig(churn: number): void {
  files = writeScenario(
    dir,
    [
      COURIER_CLASS,
      gatewayManifest("gw", [{ name: "redis", port: 6379 }]),
      routeManifest({ name: "redis", hostnames: [HOST], backends: [{ name: "redis", port: 6379 }] }),
      routeManifest({ name: "churn", hostnames: [`churn-${churn}.cache.svc.cluster.local`], backends: [{ name: "redis", port: 6379 }] }),
    ],
    [{ name: "redis", port: 6379, endpoints: [`${redis.host}:${redis.port}`] }],
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "courier-redis-e2e-"));
  pki = createPki(join(dir, "pki"));
  const cert = pki.issue("redis", [HOST]);
  redis = await startRedis({ certFile: cert.certFile, keyFile: cert.keyFile, caFile: pki.caFile });
  writeConfig(0);
  port = await freePort();
  proxy = await startProxy(["--manifests", files.manifests, "--endpoints", files.endpoints, "--port-offset", String(port - 6379), "--listen-address", "127.0.0.1"]);
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const viaProxy = (): string[] => redisTlsArgs(HOST, port, pki.caFile);

describe("Redis behind Courier", () => {
  test("redis-cli --tls --sni: PING through the proxy", async () => {
    const ping = await redisCli(viaProxy(), ["PING"]);
    expect(ping.stderr).toBe("");
    expect(ping.stdout).toBe("PONG\n");
    await proxy.waitForLog(new RegExp(`INFO  routed .*sni=${HOST} .*endpoint=127\\.0\\.0\\.1:${redis.port}`));
  });

  test("SET and GET of a 10 MB value arrive intact", async () => {
    const value = randomBytes(VALUE_BYTES / 2).toString("hex");
    const file = join(dir, "value.txt");
    writeFileSync(file, value);
    const set = await redisCli(viaProxy(), ["SET", "big"], file);
    expect(set.stdout).toBe("OK\n");
    expect((await redisCli(viaProxy(), ["STRLEN", "big"])).stdout).toBe(`${VALUE_BYTES}\n`);
    const get = await redisCli(viaProxy(), ["GET", "big"]);
    expect(get.stdout.length).toBe(VALUE_BYTES + 1);
    const md5 = (text: string): string => createHash("md5").update(text).digest("hex");
    expect(md5(get.stdout.slice(0, -1))).toBe(md5(value));
  });

  test("a SUBSCRIBE connection keeps receiving across 50 configuration reloads", async () => {
    const subscriber = redisStream(viaProxy(), ["SUBSCRIBE", "news"]);
    try {
      await subscriber.waitFor("subscribe\nnews\n1\n");
      const clientId = async (): Promise<string> => (await redisCli(viaProxy(), ["CLIENT", "LIST", "TYPE", "pubsub"])).stdout.match(/^id=(\d+) /m)?.[1] ?? "none";
      const idBefore = await clientId();
      expect(idBefore).toMatch(/^\d+$/);
      const loadedBefore = proxy.logs().split("configuration loaded").length;
      for (let i = 0; i < 50; i++) {
        writeConfig(i + 1);
        // The proxy prints its routes whenever they change: this one is new in reload i.
        await proxy.waitForLog(new RegExp(`INFO    churn-${i + 1}\\.cache\\.svc\\.cluster\\.local -> `), 10_000);
        const published = await redisCli(viaProxy(), ["PUBLISH", "news", `reload-${i}`]);
        expect(published.stdout).toBe("1\n");
        await subscriber.waitFor(`message\nnews\nreload-${i}\n`);
      }
      expect(proxy.logs().split("configuration loaded").length - loadedBefore).toBeGreaterThanOrEqual(50);
      // Still the one connection it opened before the reloads.
      expect(subscriber.child.exitCode).toBeNull();
      expect(await clientId()).toBe(idBefore);
    } finally {
      await subscriber.stop();
    }
  }, 120_000);
});
