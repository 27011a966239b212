// The API server goes away mid-test and comes back: Courier keeps routing with the
// last good Plan, keeps every established connection, reconnects, and resyncs the
// changes made while it could not see them. The harness cannot restart kube-apiserver
// on the same state (each start makes a new CA and port), so Courier reaches it
// through a TCP relay that the test takes down (listener closed, every connection
// cut) and brings back on the same port — what a client sees of a restart.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPki, type Pki } from "../../demo/pki.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { createBackendNet, type BackendNet } from "../helpers/netnsBackends.ts";
import { startTcpRelay, type TcpRelay } from "../helpers/tcpRelay.ts";
import { landing, openTls, type TlsSession } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  endpointSliceYaml,
  gatewayClassYaml,
  gatewayYaml,
  serviceYaml,
  startClusterProxy,
  tlsRouteYaml,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-outage-${process.pid}`;
const ROUTE_OK = { Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" };
// Longer than the 15 s Lease plus one renew interval (5 s), so the leader must step
// down (it cannot renew) and win the Lease back afterwards.
const OUTAGE_MS = 22_000;

let cluster: Cluster;
let net: BackendNet;
let pki: Pki;
let dir: string;
let relay: TcpRelay;
let proxy: ClusterProxy | undefined;

beforeAll(async () => {
  cluster = await useCluster();
  dir = mkdtempSync(join(tmpdir(), "courier-outage-"));
  pki = createPki(join(dir, "pki"));
  net = await createBackendNet(2);
  const addresses: string[] = [];
  for (const [i, name] of ["alpha", "beta"].entries()) addresses.push((await net.startBackend(name, pki.issue(name, ["*.outage.test"]), net.addresses[i]!, 8443)).address);
  await cluster.createNamespaces(ns);
  await cluster.apply(
    [
      gatewayClassYaml(),
      gatewayYaml(ns, "edge"),
      serviceYaml(ns, "alpha", 443, 8443),
      endpointSliceYaml(ns, "alpha", [addresses[0]!], 8443),
      serviceYaml(ns, "beta", 443, 8443),
      endpointSliceYaml(ns, "beta", [addresses[1]!], 8443),
      tlsRouteYaml(ns, "app", "edge", ["app.outage.test"], [{ name: "alpha", port: 443 }]),
    ].join("---\n"),
  );
  const server = new URL(cluster.server);
  relay = await startTcpRelay(server.hostname, Number(server.port));
  const kubeconfig = join(dir, "relayed.kubeconfig");
  // The serving certificate names 127.0.0.1, so the relay's address verifies too.
  writeFileSync(kubeconfig, readFileSync(cluster.kubeconfig, "utf8").replaceAll(cluster.server, `https://127.0.0.1:${relay.port}`));
  proxy = await startClusterProxy(kubeconfig, { leaseNamespace: ns });
  await proxy.process.waitForLog(/became the status writer/, 30_000);
  await waitRouteConditions(cluster, ns, "app", ROUTE_OK);
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  await relay?.stop();
  if (cluster !== undefined) await deleteTestObjects(cluster, ns);
  await net?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function echo(session: TlsSession, line: string): Promise<string> {
  return await new Promise<string>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`no echo of ${line}`)), 5_000);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString("latin1");
      if (text.includes("\n")) {
        clearTimeout(timer);
        session.socket.off("data", onData);
        resolve(text.trim());
      }
    };
    session.socket.on("data", onData);
    session.socket.write(`${line}\n`);
  });
}

describe("API server outage", () => {
  test("routing continues on the last good Plan, streams survive, and the changes made meanwhile arrive after reconnecting", async () => {
    const stream = await openTls(proxy!.port(443), "app.outage.test", pki.ca);
    expect(await stream.firstLine).toBe("alpha");
    let closed = false;
    stream.socket.once("close", () => (closed = true));
    expect(await echo(stream, "before")).toBe("before");

    await relay.stop();
    const downAt = performance.now();
    // While Courier cannot see the API server, the world changes.
    await cluster.apply(tlsRouteYaml(ns, "app", "edge", ["app.outage.test"], [{ name: "beta", port: 443 }]));
    await cluster.apply(tlsRouteYaml(ns, "late", "edge", ["late.outage.test"], [{ name: "beta", port: 443 }]));

    let checks = 0;
    while (performance.now() - downAt < OUTAGE_MS) {
      // The last good Plan: app still goes to alpha; the unseen route does not exist yet.
      expect(await landing(proxy!.port(443), "app.outage.test", pki.ca)).toBe("alpha");
      expect(await echo(stream, `down-${checks}`)).toBe(`down-${checks}`);
      checks++;
      await Bun.sleep(500);
    }
    expect(proxy!.process.logs()).toMatch(/watch failed; retrying/);

    await relay.start();
    const upAt = performance.now();
    // Reconnected and resynced: new connections follow the change made during the outage.
    while ((await landing(proxy!.port(443), "app.outage.test", pki.ca).catch(() => "refused")) !== "beta") {
      if (performance.now() - upAt > 60_000) throw new Error(`no resync within 60 s; logs:\n${proxy!.process.logs()}`);
      await Bun.sleep(50);
    }
    const resynced = performance.now() - upAt;
    expect(await landing(proxy!.port(443), "late.outage.test", pki.ca)).toBe("beta");
    await waitRouteConditions(cluster, ns, "late", ROUTE_OK);
    const statusBack = performance.now() - upAt;
    const logs = proxy!.process.logs();
    expect(logs).toMatch(/no longer the status writer/);
    expect(logs.split("\n").filter((line) => /became the status writer/.test(line)).length).toBe(2);
    console.log(`API outage of ${(OUTAGE_MS / 1000).toFixed(0)} s (${checks} routing checks passed meanwhile): routing resynced ${resynced.toFixed(0)} ms after the API came back, status of the route created meanwhile written after ${statusBack.toFixed(0)} ms`);

    // The stream opened before the outage is still on alpha and never closed.
    expect(await echo(stream, "after")).toBe("after");
    expect(closed).toBe(false);
    stream.socket.destroy();
  }, 180_000);
});
