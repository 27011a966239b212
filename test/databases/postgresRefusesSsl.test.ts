// A backend that is PostgreSQL but has TLS turned off answers Courier's SSLRequest with
// "N". Courier has already told the client "S" (it had to, to read the ClientHello),
// so it cannot pass the "N" on: it closes the client, logs why and counts it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPki, type Pki } from "../../demo/pki.ts";
import { COURIER_CLASS, gatewayManifest, routeManifest, writeScenario } from "../helpers/manifests.ts";
import { freePort } from "../helpers/ports.ts";
import { conninfo, psql, startPostgres, type PostgresServer } from "../helpers/postgres.ts";
import { startProxy, type ProxyProcess } from "../helpers/proxyProcess.ts";

const HOST = "legacy.database.svc.cluster.local";

let dir: string;
let pki: Pki;
let server: PostgresServer;
let proxy: ProxyProcess;
let port: number;
let adminPort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "courier-pg-nossl-"));
  pki = createPki(join(dir, "pki"));
  const cert = pki.issue("legacy", [HOST]);
  server = await startPostgres({ name: "legacy", certFile: cert.certFile, keyFile: cert.keyFile, ssl: false });
  const files = writeScenario(
    dir,
    [COURIER_CLASS, gatewayManifest("gw", [{ name: "postgres", port: 5432 }]), routeManifest({ name: "legacy", hostnames: [HOST], backends: [{ name: "legacy", port: 5432 }] })],
    [{ name: "legacy", port: 5432, endpoints: [`${server.host}:${server.port}`] }],
  );
  port = await freePort();
  adminPort = await freePort();
  proxy = await startProxy(["--manifests", files.manifests, "--endpoints", files.endpoints, "--port-offset", String(port - 5432), "--listen-address", "127.0.0.1", "--admin", `127.0.0.1:${adminPort}`]);
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("a server that refuses TLS: the client is closed, the reason logged and counted", async () => {
  const result = await psql(conninfo(HOST, port, pki.caFile, "sslmode=require"), "SELECT 1");
  expect(result.code).toBe(2);
  await proxy.waitForLog(new RegExp(`INFO  rejected .*reason=pg-server-refused-ssl sni=${HOST.replaceAll(".", "\\.")}`));
  // The server did see the connection (and answered the SSLRequest); no query ran.
  expect(server.logs()).toContain("connection received: host=127.0.0.1");
  expect(server.logs()).not.toContain("connection authorized: user=postgres");
  const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  expect(metrics).toMatch(/^courier_connections_rejected_total\{[^}]*reason="pg-server-refused-ssl"[^}]*\} 1$/m);
});
