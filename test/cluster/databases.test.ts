// The seed's database scenario through the real API server: the PostgreSQL and Redis
// charts from dist/ applied as-is, their Services backed by real PostgreSQL and Redis
// servers (EndpointSlices written here, as no controller-manager runs), and Courier in
// cluster mode routing psql and redis-cli to them. The servers run in a test network
// namespace because the API server refuses loopback endpoint addresses.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createPki, type Pki } from "../../demo/pki.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { createBackendNet, type BackendNet } from "../helpers/netnsBackends.ts";
import { freeOffset } from "../helpers/portOffset.ts";
import { conninfo, psql, startPostgres, type PostgresServer } from "../helpers/postgres.ts";
import { redisCli, redisTlsArgs, startRedis, type RedisServer } from "../helpers/redis.ts";
import {
  type ClusterProxy,
  endpointSliceYaml,
  gatewayClassYaml,
  getObject,
  ROUTE_OK,
  serviceYaml,
  startClusterProxy,
  summary,
  waitRouteConditions,
} from "./controllerKit.ts";

const DIST = resolve(import.meta.dir, "../../dist");
const PG_HOST = "postgres.database.svc.cluster.local";
const REDIS_HOST = "redis.cache.svc.cluster.local";
const PG_PORT = 5432;
const REDIS_PORT = 6379;
const LEASE_NAMESPACE = `db-lease-${process.pid}`;

let cluster: Cluster;
let net: BackendNet;
let dir: string;
let pki: Pki;
let postgres: PostgresServer | undefined;
let redis: RedisServer | undefined;
let proxy: ClusterProxy | undefined;
let offset: number;

beforeAll(async () => {
  cluster = await useCluster();
  dir = mkdtempSync(join(tmpdir(), "courier-cluster-db-"));
  pki = createPki(join(dir, "pki"));
  net = await createBackendNet(2);
  const wrap = ["ip", "netns", "exec", net.namespace];
  const pgCert = pki.issue("postgres", [PG_HOST]);
  const redisCert = pki.issue("redis", [REDIS_HOST]);
  postgres = await startPostgres({ name: "cluster-postgres", certFile: pgCert.certFile, keyFile: pgCert.keyFile, listenAddress: net.addresses[0]!, port: PG_PORT, wrap });
  redis = await startRedis({ certFile: redisCert.certFile, keyFile: redisCert.keyFile, caFile: pki.caFile, bind: net.addresses[1]!, port: REDIS_PORT, wrap });

  await cluster.createNamespaces("gateway-system", "database", "cache", LEASE_NAMESPACE);
  await cluster.apply(
    [
      gatewayClassYaml(),
      readFileSync(join(DIST, "postgres.k8s.yaml"), "utf8"),
      readFileSync(join(DIST, "redis.k8s.yaml"), "utf8"),
      // Services without a selector, the way the application's chart would define them (minus the pods).
      serviceYaml("database", "postgres", PG_PORT, PG_PORT),
      endpointSliceYaml("database", "postgres", [postgres.host], PG_PORT),
      serviceYaml("cache", "redis", REDIS_PORT, REDIS_PORT),
      endpointSliceYaml("cache", "redis", [redis.host], REDIS_PORT),
    ].join("\n---\n"),
  );
  offset = await freeOffset([PG_PORT, REDIS_PORT]);
  proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: LEASE_NAMESPACE, offset });
  await waitRouteConditions(cluster, "database", "postgres", ROUTE_OK);
  await waitRouteConditions(cluster, "cache", "redis", ROUTE_OK);
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  if (cluster !== undefined) {
    // Only what this file created; the namespaces stay (nothing would finish deleting them).
    await cluster.kubectl(["delete", "-n", "database", "--ignore-not-found", "--wait=false", "tlsroute.gateway.networking.k8s.io/postgres", "service/postgres", "endpointslice/postgres-1"]);
    await cluster.kubectl(["delete", "-n", "cache", "--ignore-not-found", "--wait=false", "tlsroute.gateway.networking.k8s.io/redis", "gateway.gateway.networking.k8s.io/redis", "service/redis", "endpointslice/redis-1"]);
    await cluster.kubectl(["delete", "-n", "gateway-system", "--ignore-not-found", "--wait=false", "gateway.gateway.networking.k8s.io/databases"]);
  }
  await postgres?.stop();
  await redis?.stop();
  await net?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("dist/ database charts on the real API server", () => {
  test("both Gateways are programmed and both routes accepted with resolved references", async () => {
    for (const [namespace, name] of [["gateway-system", "databases"], ["cache", "redis"]] as const) {
      const gateway = await getObject(cluster, "gateways.gateway.networking.k8s.io", namespace, name);
      expect(summary(gateway?.status?.conditions)).toMatchObject({ Accepted: "True/Accepted", Programmed: "True/Programmed" });
    }
  });

  test("psql reaches PostgreSQL through the Gateway on port 5432", async () => {
    const result = await psql(conninfo(PG_HOST, PG_PORT + offset, pki.caFile), "SELECT current_setting('cluster_name'), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("cluster-postgres|t");
    await proxy!.process.waitForLog(new RegExp(`INFO  routed .*sni=${PG_HOST} route=database/postgres .*endpoint=${postgres!.host}:${PG_PORT} postgres=true`));
  });

  test("redis-cli reaches Redis through the Gateway on port 6379", async () => {
    const connection = redisTlsArgs(REDIS_HOST, REDIS_PORT + offset, pki.caFile);
    expect((await redisCli(connection, ["SET", "greeting", "hello from the cluster"])).stdout).toBe("OK\n");
    expect((await redisCli(connection, ["GET", "greeting"])).stdout).toBe("hello from the cluster\n");
    await proxy!.process.waitForLog(new RegExp(`INFO  routed .*sni=${REDIS_HOST} route=cache/redis .*endpoint=${redis!.host}:${REDIS_PORT}`));
  });
});
