// Two real PostgreSQL servers, each with its own certificate and hostname, behind one
// Courier listener (Gateway port 5432) in file mode. Each test file builds its own
// world, so files run independently and a second run starts from nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPki, type Pki } from "../../demo/pki.ts";
import { COURIER_CLASS, gatewayManifest, routeManifest, writeScenario } from "../helpers/manifests.ts";
import { freePort } from "../helpers/ports.ts";
import { conninfo, startPostgres, type PostgresServer } from "../helpers/postgres.ts";
import { startProxy, type ProxyProcess } from "../helpers/proxyProcess.ts";

export const ALPHA_HOST = "postgres.database.svc.cluster.local";
export const BETA_HOST = "analytics.database.svc.cluster.local";

export interface WorldOptions {
  /** Annotations of the route to ALPHA_HOST (BETA_HOST's route has none). */
  readonly alphaAnnotations?: Readonly<Record<string, string>>;
  readonly proxyArgs?: readonly string[];
  /** Something between the proxy and alpha (a PROXY protocol receiver): the alpha route's endpoint becomes its address. */
  readonly alphaFront?: (alpha: PostgresServer) => Promise<AlphaFront>;
}

/** A peer in front of alpha, stopped with the world. */
export interface AlphaFront {
  readonly host: string;
  readonly port: number;
  stop(): Promise<unknown>;
}

export interface PostgresWorld {
  readonly dir: string;
  readonly pki: Pki;
  readonly alpha: PostgresServer;
  readonly beta: PostgresServer;
  readonly proxy: ProxyProcess;
  /** The proxy's PostgreSQL port. */
  readonly port: number;
  /** A libpq connection string to `hostname` through the proxy. */
  via(hostname: string, extra?: string): string;
  /** A libpq connection string straight to a server, bypassing the proxy. */
  direct(server: PostgresServer, hostname: string, extra?: string): string;
  close(): Promise<void>;
}

export async function startPostgresWorld(options: WorldOptions = {}): Promise<PostgresWorld> {
  const dir = mkdtempSync(join(tmpdir(), "courier-db-"));
  const pki = createPki(join(dir, "pki"));
  const started: { stop(): Promise<unknown> }[] = [];
  const cleanup = async (): Promise<void> => {
    for (const s of started.reverse()) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const alphaCert = pki.issue("alpha", [ALPHA_HOST]);
    const betaCert = pki.issue("beta", [BETA_HOST]);
    const alpha = await startPostgres({ name: "alpha", certFile: alphaCert.certFile, keyFile: alphaCert.keyFile });
    started.push(alpha);
    const beta = await startPostgres({ name: "beta", certFile: betaCert.certFile, keyFile: betaCert.keyFile });
    started.push(beta);
    const front = options.alphaFront === undefined ? alpha : await options.alphaFront(alpha);
    if (front !== alpha) started.push(front);

    const objects = [
      COURIER_CLASS,
      gatewayManifest("gw", [{ name: "postgres", port: 5432 }]),
      routeManifest({ name: "alpha", hostnames: [ALPHA_HOST], backends: [{ name: "alpha", port: 5432 }], ...(options.alphaAnnotations ? { annotations: options.alphaAnnotations } : {}) }),
      routeManifest({ name: "beta", hostnames: [BETA_HOST], backends: [{ name: "beta", port: 5432 }] }),
    ];
    const files = writeScenario(dir, objects, [
      { name: "alpha", port: 5432, endpoints: [`${front.host}:${front.port}`] },
      { name: "beta", port: 5432, endpoints: [`${beta.host}:${beta.port}`] },
    ]);
    const port = await freePort();
    const proxy = await startProxy(["--manifests", files.manifests, "--endpoints", files.endpoints, "--port-offset", String(port - 5432), "--listen-address", "127.0.0.1", ...(options.proxyArgs ?? [])]);
    started.push(proxy);
    return {
      dir,
      pki,
      alpha,
      beta,
      proxy,
      port,
      via: (hostname, extra) => conninfo(hostname, port, pki.caFile, extra),
      direct: (server, hostname, extra) => conninfo(hostname, server.port, pki.caFile, extra),
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
