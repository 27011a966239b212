// Row 8, cluster mode on a real API server of the suite's own: two Courier replicas.
// (a) The API server is stopped for 8 s and started again with traffic flowing through
// the leader: no connection fails, no byte is lost, and a route added after the
// restart is routed. (b) The leader is killed (SIGKILL, by PID) with traffic flowing
// through the other replica, which takes the Lease and writes status.
import { readFileSync } from "node:fs";
import { startClusterBackends } from "../../test/helpers/clusterBackends.ts";
import { applyScenario } from "../../test/helpers/clusterScenario.ts";
import { startPrivateCluster } from "../../test/helpers/privateCluster.ts";
import { landing } from "../../test/helpers/tlsClient.ts";
import { gatewayClassYaml, gatewayYaml, ROUTE_OK, serviceWithEndpointsYaml, startClusterProxy, tlsRouteYaml, waitRouteConditions, type ClusterProxy } from "../../test/cluster/controllerKit.ts";
import { startTraffic, trafficFailures, trafficSummary } from "../clusterTraffic.ts";
import { RssSampler } from "../rss.ts";
import { latencyOf } from "../stats.ts";
import type { RowDefinition } from "../suite.ts";

const ns = `reliability-${process.pid}`;
const DOWN_MS = 8_000;
const LEADER = /became the status writer/;

async function untilRouted(proxy: ClusterProxy, sni: string, ca: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while ((await landing(proxy.port(443), sni, ca).catch(() => "refused")) !== "alpha") {
    if (Date.now() - started > timeoutMs) throw new Error(`${sni} not routed within ${timeoutMs} ms`);
    await Bun.sleep(50);
  }
  return Date.now() - started;
}

export const clusterRow: RowDefinition = {
  id: "8",
  title: "cluster mode",
  async run(context) {
    const server = await startPrivateCluster("reliability");
    const backends = await startClusterBackends("reliability", [{ name: "alpha", dnsNames: ["*.reliability.test"] }]).catch(async (error: Error) => {
      await server.down();
      throw error;
    });
    const replicas: ClusterProxy[] = [];
    try {
      const cluster = server.cluster;
      const ca = readFileSync(backends.pki.caFile, "utf8");
      await applyScenario(cluster, [ns], [
        gatewayClassYaml(),
        gatewayYaml(ns, "edge"),
        serviceWithEndpointsYaml(ns, "alpha", [backends.address.alpha!]),
        tlsRouteYaml(ns, "app", "edge", ["app.reliability.test"], [{ name: "alpha", port: 443 }]),
      ]);
      const leader = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns });
      replicas.push(leader);
      await leader.process.waitForLog(LEADER, 30_000);
      const follower = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns });
      replicas.push(follower);
      await waitRouteConditions(cluster, ns, "app", ROUTE_OK);
      const target = (p: ClusterProxy) => ({ sni: "app.reliability.test", caFile: backends.pki.caFile, proxyPort: p.port(443) });

      // (a) API server restart.
      {
        const rss = new RssSampler(leader.process.pid);
        const traffic = await startTraffic(target(leader), ca, 8_000);
        const stoppedAt = Date.now();
        await server.stop();
        await Bun.sleep(DOWN_MS);
        await server.start();
        const downMs = Date.now() - stoppedAt;
        await cluster.apply(tlsRouteYaml(ns, "late", "edge", ["late.reliability.test"], [{ name: "alpha", port: 443 }]));
        const routedMs = await untilRouted(leader, "late.reliability.test", ca, 90_000);
        const result = await traffic.stop();
        context.report({
          row: "8 cluster: API server restart",
          input: `API server down ${(downMs / 1000).toFixed(1)} s with traffic through the leader; a route added after the restart`,
          happened: `${trafficSummary(result)}; the new route routed ${routedMs} ms after it was applied`,
          bytesLost: result.streams.lost + result.ping.bytesLost,
          rss: rss.stop(),
          latency: { what: "ping-pong (suite process)", figures: latencyOf(result.ping.samples) },
          failures: trafficFailures(result),
        });
      }

      // (b) Leader failover.
      {
        const rss = new RssSampler(follower.process.pid);
        const traffic = await startTraffic(target(follower), ca, 8_100);
        const killedAt = Date.now();
        leader.process.child.kill("SIGKILL");
        await follower.process.waitForLog(LEADER, 90_000);
        const takeoverMs = Date.now() - killedAt;
        await cluster.apply(tlsRouteYaml(ns, "after", "edge", ["after.reliability.test"], [{ name: "alpha", port: 443 }]));
        await waitRouteConditions(cluster, ns, "after", ROUTE_OK, undefined, 90_000);
        const statusMs = Date.now() - killedAt;
        const result = await traffic.stop();
        context.report({
          row: "8 cluster: leader failover",
          input: "the leader SIGKILLed by PID, traffic through the other replica",
          happened: `the other replica took the Lease after ${(takeoverMs / 1000).toFixed(1)} s and wrote a new route's status ${(statusMs / 1000).toFixed(1)} s after the kill; ${trafficSummary(result)}`,
          bytesLost: result.streams.lost + result.ping.bytesLost,
          rss: rss.stop(),
          latency: { what: "ping-pong (suite process)", figures: latencyOf(result.ping.samples) },
          failures: trafficFailures(result),
        });
      }
    } finally {
      for (const r of replicas) await r.process.stop();
      await backends.close();
      await server.down();
    }
  },
};
