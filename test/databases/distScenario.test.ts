// The seed's database scenario end to end: the PostgreSQL and Redis charts exactly as
// synthesized into dist/ (plus the GatewayClass from the proxy's own chart), served by
// the proxy in file mode, with an endpoints file that stands in for the cluster's
// EndpointSlices of Service database/postgres:5432 and cache/redis:6379.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createPki, type Pki } from "../../demo/pki.ts";
import { stringify } from "yaml";
import { endpointsDocument } from "../helpers/manifests.ts";
import { freeOffset } from "../helpers/portOffset.ts";
import { conninfo, psql, startPostgres, type PostgresServer } from "../helpers/postgres.ts";
import { startProxy, type ProxyProcess } from "../helpers/proxyProcess.ts";
import { redisCli, redisTlsArgs, startRedis, type RedisServer } from "../helpers/redis.ts";

const DIST = resolve(import.meta.dir, "../../dist");
const CHARTS = ["postgres.k8s.yaml", "redis.k8s.yaml", "courier-proxy.k8s.yaml"];
const PG_HOST = "postgres.database.svc.cluster.local";
const REDIS_HOST = "redis.cache.svc.cluster.local";
// The Gateway ports the charts declare.
const PG_PORT = 5432;
const REDIS_PORT = 6379;

let dir: string;
let pki: Pki;
let postgres: PostgresServer;
let redis: RedisServer;
let proxy: ProxyProcess;
let offset: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "courier-dist-db-"));
  pki = createPki(join(dir, "pki"));
  const pgCert = pki.issue("postgres", [PG_HOST]);
  const redisCert = pki.issue("redis", [REDIS_HOST]);
  postgres = await startPostgres({ name: "dist-postgres", certFile: pgCert.certFile, keyFile: pgCert.keyFile });
  redis = await startRedis({ certFile: redisCert.certFile, keyFile: redisCert.keyFile, caFile: pki.caFile });

  const manifests = join(dir, "dist");
  mkdirSync(manifests);
  for (const chart of CHARTS) copyFileSync(join(DIST, chart), join(manifests, chart));
  const endpoints = join(dir, "endpoints.yaml");
  writeFileSync(endpoints, stringify(endpointsDocument([
    { namespace: "database", name: "postgres", port: PG_PORT, endpoints: [`${postgres.host}:${postgres.port}`] },
    { namespace: "cache", name: "redis", port: REDIS_PORT, endpoints: [`${redis.host}:${redis.port}`] },
  ])));
  // Moves both Gateway ports onto free loopback ports.
  offset = await freeOffset([PG_PORT, REDIS_PORT]);
  proxy = await startProxy(["--manifests", manifests, "--endpoints", endpoints, "--port-offset", String(offset), "--listen-address", "127.0.0.1"]);
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await postgres?.stop();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("dist/ database charts in file mode", () => {
  test("the charts load cleanly and program both listeners", () => {
    const logs = proxy.logs();
    expect(logs).not.toMatch(/ (WARN|ERROR) /);
    expect(logs).toContain(`listening 127.0.0.1:${PG_PORT + offset}`);
    expect(logs).toContain(`listening 127.0.0.1:${REDIS_PORT + offset}`);
  });

  test("psql reaches the database through the Gateway on port 5432", async () => {
    const result = await psql(conninfo(PG_HOST, PG_PORT + offset, pki.caFile), "SELECT current_setting('cluster_name'), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("dist-postgres|t");
    await proxy.waitForLog(new RegExp(`INFO  routed .*sni=${PG_HOST} route=database/postgres .*postgres=true`));
  });

  test("redis-cli reaches the cache through the Gateway on port 6379", async () => {
    const connection = redisTlsArgs(REDIS_HOST, REDIS_PORT + offset, pki.caFile);
    expect((await redisCli(connection, ["SET", "greeting", "hello from dist"])).stdout).toBe("OK\n");
    expect((await redisCli(connection, ["GET", "greeting"])).stdout).toBe("hello from dist\n");
    await proxy.waitForLog(new RegExp(`INFO  routed .*sni=${REDIS_HOST} route=cache/redis `));
  });
});
