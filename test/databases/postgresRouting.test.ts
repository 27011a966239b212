// psql (libpq 15, default sslnegotiation=postgres: SSLRequest first, ClientHello after
// the "S") through Courier to real PostgreSQL servers, routed by SNI alone.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { psql } from "../helpers/postgres.ts";
import { ALPHA_HOST, BETA_HOST, startPostgresWorld, type PostgresWorld } from "./postgresWorld.ts";

let world: PostgresWorld;

beforeAll(async () => {
  world = await startPostgresWorld();
}, 120_000);

afterAll(async () => {
  await world?.close();
});

describe("PostgreSQL behind Courier", () => {
  test("psql with sslmode=verify-full runs queries through the proxy", async () => {
    const conn = world.via(ALPHA_HOST);
    const setup = await psql(conn, "CREATE TABLE greetings (id int PRIMARY KEY, text text); INSERT INTO greetings VALUES (1, 'hello'), (2, 'courier');");
    expect(setup.stderr).toBe("");
    expect(setup.code).toBe(0);
    const read = await psql(conn, "SELECT string_agg(text, ' ' ORDER BY id) FROM greetings");
    expect(read.stdout.trim()).toBe("hello courier");
    // The session is TLS end to end: the server itself terminated it.
    const ssl = await psql(conn, "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    expect(ssl.stdout.trim()).toMatch(/^t\|TLSv1\.[23]$/);
    await world.proxy.waitForLog(new RegExp(`INFO  routed .*sni=${ALPHA_HOST} .*endpoint=127\\.0\\.0\\.1:${world.alpha.port} postgres=true`));
  });

  test("two servers on one proxy port each receive only their own clients", async () => {
    const hosts = [ALPHA_HOST, BETA_HOST, ALPHA_HOST, BETA_HOST, ALPHA_HOST, BETA_HOST, ALPHA_HOST, BETA_HOST];
    const answers = await Promise.all(hosts.map((h) => psql(world.via(h), "SELECT current_setting('cluster_name') || ' ' || current_setting('port')")));
    answers.forEach((answer, i) => {
      const server = hosts[i] === ALPHA_HOST ? world.alpha : world.beta;
      expect(answer.stderr).toBe("");
      expect(answer.stdout.trim()).toBe(`${server.name} ${server.port}`);
    });
    // The table made on alpha through the proxy does not exist on beta.
    const onBeta = await psql(world.via(BETA_HOST), "SELECT to_regclass('greetings') IS NULL");
    expect(onBeta.stdout.trim()).toBe("t");
  });

  test("a hostname without a route is refused and no server sees the connection", async () => {
    const before = [world.alpha.logs().length, world.beta.logs().length];
    const refused = await psql(world.via("unknown.database.svc.cluster.local"), "SELECT 1");
    expect(refused.code).not.toBe(0);
    await world.proxy.waitForLog(/INFO  rejected .*reason=unknown-sni sni=unknown\.database\.svc\.cluster\.local/);
    expect(world.alpha.logs().slice(before[0])).not.toContain("connection received: host=127.0.0.1");
    expect(world.beta.logs().slice(before[1])).not.toContain("connection received: host=127.0.0.1");
  });
});
