// psql -> Courier -> nginx (stream, `listen ... proxy_protocol`) -> PostgreSQL with TLS.
// The route to alpha sends a PROXY protocol v2 header, which must come before the
// SSLRequest Courier replays to the server: nginx reads the header, then passes the
// SSLRequest and the TLS session through to PostgreSQL. nginx's log names psql's own
// port, which only Courier's header can have told it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startNginxStream, type NginxStream } from "../helpers/nginxStream.ts";
import { psql } from "../helpers/postgres.ts";
import { ALPHA_HOST, BETA_HOST, startPostgresWorld, type PostgresWorld } from "./postgresWorld.ts";

let world: PostgresWorld;
let nginx: NginxStream;

beforeAll(async () => {
  world = await startPostgresWorld({
    alphaAnnotations: { "courier.dev/proxy-protocol": "v2" },
    alphaFront: async (alpha) => (nginx = await startNginxStream(`${alpha.host}:${alpha.port}`)),
  });
}, 120_000);

afterAll(async () => {
  await world?.close();
});

describe("PostgreSQL behind a PROXY protocol receiver", () => {
  test("psql's query succeeds over TLS and nginx learns psql's address from the header", async () => {
    // inet_client_port(): the server's own TCP peer, which is nginx.
    const result = await psql(world.via(ALPHA_HOST), "SELECT current_setting('cluster_name'), ssl, inet_client_port() FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    expect(result.stderr).toBe("");
    const [cluster, ssl, serverSeesPort] = result.stdout.trim().split("|");
    expect(cluster).toBe("alpha");
    expect(ssl).toBe("t");

    // Courier logs psql's address; nginx must have been told the same.
    const routed = await world.proxy.waitForLog(new RegExp(`routed .*sni=${ALPHA_HOST} .*postgres=true`));
    const client = /client=(\S+)/.exec(routed)![1]!;
    const logged = await nginx.waitForSession((session) => session.client === client);
    expect(logged.server).toBe(`127.0.0.1:${world.port}`);
    expect(logged.status).toBe(200);
    // Every hop is on 127.0.0.1: the ports tell psql, Courier and nginx apart.
    expect(logged.peer).not.toBe(client);
    expect(client).not.toBe(`127.0.0.1:${serverSeesPort}`);
    if (nginx.readsAuthority) expect(logged.authority).toBe(ALPHA_HOST);
  });

  test("the route without the annotation reaches its server directly, with no header", async () => {
    const result = await psql(world.via(BETA_HOST), "SELECT current_setting('cluster_name')");
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("beta");
  });
});
