// The API server goes away mid-test and comes back: Courier keeps routing with the
// last good Plan, keeps every established connection, reconnects, and resyncs the
// changes made while it could not see them. Courier reaches the shared run cluster
// through a TCP relay that the test takes down (listener closed, every connection
// cut) and brings back on the same port — what a client sees of a restart, with
// changes made meanwhile. controllerApiRestart.test.ts restarts a real API server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Pki } from "../../demo/pki.ts";
import { startApiRelay } from "../helpers/apiRelay.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { startClusterBackends, type ClusterBackends } from "../helpers/clusterBackends.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import { echoLine as echo } from "../helpers/echoLine.ts";
import type { TcpRelay } from "../helpers/tcpRelay.ts";
import { landing, openTls } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  gatewayClassYaml,
  gatewayYaml,
  ROUTE_OK,
  serviceWithEndpointsYaml,
  startClusterProxy,
  tlsRouteYaml,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-outage-${process.pid}`;
// Longer than the 15 s Lease plus one renew interval (5 s), so the leader must step
// down (it cannot renew) and win the Lease back afterwards.
const OUTAGE_MS = 22_000;

let cluster: Cluster;
let backends: ClusterBackends | undefined;
let pki: Pki;
let relay: TcpRelay;
let proxy: ClusterProxy | undefined;

beforeAll(async () => {
  cluster = await useCluster();
  backends = await startClusterBackends("outage", [
    { name: "alpha", dnsNames: ["*.outage.test"] },
    { name: "beta", dnsNames: ["*.outage.test"] },
  ]);
  pki = backends.pki;
  await applyScenario(cluster, [ns], [
    gatewayClassYaml(),
    gatewayYaml(ns, "edge"),
    serviceWithEndpointsYaml(ns, "alpha", [backends.address.alpha!]),
    serviceWithEndpointsYaml(ns, "beta", [backends.address.beta!]),
    tlsRouteYaml(ns, "app", "edge", ["app.outage.test"], [{ name: "alpha", port: 443 }]),
  ]);
  const relayed = await startApiRelay(cluster, backends.dir);
  relay = relayed.relay;
  proxy = await startClusterProxy(relayed.kubeconfig, { leaseNamespace: ns });
  await proxy.process.waitForLog(/became the status writer/, 30_000);
  await waitRouteConditions(cluster, ns, "app", ROUTE_OK);
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  await relay?.stop();
  if (cluster !== undefined) await deleteTestObjects(cluster, ns);
  await backends?.close();
});

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
