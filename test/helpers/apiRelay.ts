// The test cluster's API server behind a TCP relay the test controls (take it down,
// freeze it), plus a kubeconfig that reaches the server through the relay.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Cluster } from "./cluster.ts";
import { startTcpRelay, type TcpRelay } from "./tcpRelay.ts";

export interface ApiRelay {
  readonly relay: TcpRelay;
  /** The admin kubeconfig with the server replaced by the relay's address. */
  readonly kubeconfig: string;
}

/** Starts a relay to the cluster's API server and writes `dir`/relayed.kubeconfig pointing at it. */
export async function startApiRelay(cluster: Cluster, dir: string): Promise<ApiRelay> {
  const server = new URL(cluster.server);
  const relay = await startTcpRelay(server.hostname, Number(server.port));
  const kubeconfig = join(dir, "relayed.kubeconfig");
  // The serving certificate names 127.0.0.1, so the relay's address verifies too.
  writeFileSync(kubeconfig, readFileSync(cluster.kubeconfig, "utf8").replaceAll(cluster.server, `https://127.0.0.1:${relay.port}`));
  return { relay, kubeconfig };
}
