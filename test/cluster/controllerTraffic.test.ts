// Traffic end to end in cluster mode: Services without selectors plus EndpointSlices
// written here point at real TLS servers in a network namespace (the API server
// refuses loopback endpoint addresses); clients connect through Courier with SNI
// and verify the backend's own certificate. Route and weight changes made through
// the API are timed from the write to the first new connection routed the new way
// (printed, not asserted) while an established stream keeps flowing untouched.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Pki } from "../../demo/pki.ts";
import { KubeClient } from "../../proxy/kubeapi/client.ts";
import { loadKubeconfig } from "../../proxy/kubeapi/credentials.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { startClusterBackends, type ClusterBackends } from "../helpers/clusterBackends.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import { echoLine as echo } from "../helpers/echoLine.ts";
import type { BackendNet } from "../helpers/netnsBackends.ts";
import { isRefused, landing, openTls } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  gatewayClassYaml,
  gatewayYaml,
  percentile,
  ROUTE_OK,
  serviceWithEndpointsYaml,
  startClusterProxy,
  tlsRouteYaml,
  waitObjectCondition,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-traffic-${process.pid}`;
// Enough for a p99 that is not simply the maximum of a handful.
const SAMPLES = 100;

let cluster: Cluster;
let backends: ClusterBackends | undefined;
let net: BackendNet;
let pki: Pki;
let proxy: ClusterProxy | undefined;
let api: KubeClient;
let address: Readonly<Record<string, string>>;

beforeAll(async () => {
  cluster = await useCluster();
  api = new KubeClient(loadKubeconfig(cluster.kubeconfig));
  const names = ["alpha", "beta", "gamma"];
  // Each backend's certificate names the backend too, so the client can tell whose it verified.
  backends = await startClusterBackends(
    "traffic",
    names.map((name) => ({ name, dnsNames: ["*.traffic.test", `${name}.backend.test`] })),
  );
  ({ net, pki, address } = backends);
  await applyScenario(cluster, [ns], [
    gatewayClassYaml(),
    gatewayYaml(ns, "edge"),
    ...names.map((name) => serviceWithEndpointsYaml(ns, `svc-${name}`, [address[name]!])),
    tlsRouteYaml(ns, "app", "edge", ["app.traffic.test"], [{ name: "svc-alpha", port: 443 }]),
    tlsRouteYaml(ns, "split", "edge", ["split.traffic.test"], [
      { name: "svc-alpha", port: 443, weight: 1 },
      { name: "svc-beta", port: 443, weight: 0 },
    ]),
    tlsRouteYaml(ns, "scaled", "edge", ["scaled.traffic.test"], [{ name: "svc-gamma", port: 443 }]),
  ]);
  proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns });
  for (const route of ["app", "split", "scaled"]) await waitRouteConditions(cluster, ns, route, ROUTE_OK);
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  if (cluster !== undefined) await deleteTestObjects(cluster, ns);
  await backends?.close();
});

/** Opens new connections until one greets with `backend`; returns ms since `since`. */
async function firstLandingOn(sni: string, backend: string, since: number): Promise<number> {
  const deadline = since + 30_000;
  while (performance.now() < deadline) {
    const where = await landing(proxy!.port(443), sni, pki.ca).catch(() => "refused");
    if (where === backend) return performance.now() - since;
  }
  throw new Error(`${sni} never reached ${backend}`);
}

async function patchRoute(name: string, backends: readonly { name: string; weight?: number }[]): Promise<number> {
  const started = performance.now();
  await api.request(
    "PATCH",
    `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/tlsroutes/${name}`,
    { spec: { rules: [{ backendRefs: backends.map((b) => ({ name: b.name, port: 443, ...(b.weight === undefined ? {} : { weight: b.weight }) })) }] } },
    "application/merge-patch+json",
  );
  return started;
}

async function patchSlice(service: string, addresses: readonly string[]): Promise<void> {
  await api.request(
    "PATCH",
    `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices/${service}-1`,
    { endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })) },
    "application/merge-patch+json",
  );
}

function report(what: string, samples: readonly number[]): void {
  console.log(`reconcile latency (${what}): n=${samples.length} p50=${percentile(samples, 50).toFixed(1)} ms p99=${percentile(samples, 99).toFixed(1)} ms max=${Math.max(...samples).toFixed(1)} ms`);
}

describe("cluster mode traffic", () => {
  test("SNI reaches the Service's endpoint in the network namespace; the client verifies the backend's own certificate", async () => {
    const session = await openTls(proxy!.port(443), "app.traffic.test", pki.ca);
    expect(await session.firstLine).toBe("alpha");
    expect(session.peerNames).toContain("DNS:alpha.backend.test");
    session.socket.destroy();
    expect(await landing(proxy!.port(443), "scaled.traffic.test", pki.ca)).toBe("gamma");
    expect(await isRefused(proxy!.port(443), "unknown.traffic.test", pki.ca)).toBe(true);
  });

  test("a backend change follows within the printed latency while an established stream keeps flowing", async () => {
    const stream = await openTls(proxy!.port(443), "app.traffic.test", pki.ca);
    expect(await stream.firstLine).toBe("alpha");
    let closed = false;
    stream.socket.once("close", () => (closed = true));
    expect(await echo(stream, "before")).toBe("before");

    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const target = i % 2 === 0 ? "beta" : "alpha";
      const since = await patchRoute("app", [{ name: `svc-${target}` }]);
      samples.push(await firstLandingOn("app.traffic.test", target, since));
      // Once switched, every new connection goes the new way.
      for (let k = 0; k < 3; k++) expect(await landing(proxy!.port(443), "app.traffic.test", pki.ca)).toBe(target);
      // The stream opened before any change still reaches alpha, untouched.
      expect(await echo(stream, `tick-${i}`)).toBe(`tick-${i}`);
    }
    report("route backendRef change, API write -> first new connection on the new backend", samples);
    expect(closed).toBe(false);
    stream.socket.destroy();
  }, 180_000);

  test("weights: 1/0 sends everything to one backend, a flip moves it all, 1/1 spreads over both", async () => {
    for (let k = 0; k < 10; k++) expect(await landing(proxy!.port(443), "split.traffic.test", pki.ca)).toBe("alpha");
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const [to, from] = i % 2 === 0 ? ["beta", "alpha"] : ["alpha", "beta"];
      const since = await patchRoute("split", [
        { name: `svc-${to}`, weight: 1 },
        { name: `svc-${from}`, weight: 0 },
      ]);
      samples.push(await firstLandingOn("split.traffic.test", to, since));
      for (let k = 0; k < 5; k++) expect(await landing(proxy!.port(443), "split.traffic.test", pki.ca)).toBe(to);
    }
    report("weight flip 1/0 -> 0/1, API write -> first new connection on the new backend", samples);

    await patchRoute("split", [
      { name: "svc-alpha", weight: 1 },
      { name: "svc-beta", weight: 1 },
    ]);
    const seen = new Map<string, number>();
    // Wait for the first connection to beta, then count a fresh sample.
    await firstLandingOn("split.traffic.test", "beta", performance.now());
    await firstLandingOn("split.traffic.test", "alpha", performance.now());
    for (let k = 0; k < 60; k++) {
      const where = await landing(proxy!.port(443), "split.traffic.test", pki.ca);
      seen.set(where, (seen.get(where) ?? 0) + 1);
    }
    console.log(`weights 1/1 over 60 connections: ${JSON.stringify(Object.fromEntries(seen))}`);
    expect([...seen.keys()].sort()).toEqual(["alpha", "beta"]);
  }, 180_000);

  test("an EndpointSlice scaled to zero refuses new connections; scaled back, they are routed again", async () => {
    expect(await landing(proxy!.port(443), "scaled.traffic.test", pki.ca)).toBe("gamma");
    await patchSlice("svc-gamma", []);
    const refusedAt = performance.now();
    while (!(await isRefused(proxy!.port(443), "scaled.traffic.test", pki.ca))) {
      if (performance.now() - refusedAt > 30_000) throw new Error("still routed 30 s after the slice emptied");
    }
    // The Service still exists: its reference stays resolved, there is just nothing to reach.
    await waitRouteConditions(cluster, ns, "scaled", ROUTE_OK);
    const since = performance.now();
    await patchSlice("svc-gamma", [address.gamma!]);
    const ms = await firstLandingOn("scaled.traffic.test", "gamma", since);
    console.log(`EndpointSlice 0 -> 1 endpoint: first connection routed ${ms.toFixed(1)} ms after the write`);
  }, 120_000);

  test("a Gateway with spec.addresses is served on that address and reports it in status", async () => {
    // The host end of the veth is an address of this machine outside loopback.
    await cluster.apply(
      [
        `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bound, namespace: ${ns}}
spec:
  gatewayClassName: courier
  addresses: [{type: IPAddress, value: "${net.hostAddress}"}]
  listeners: [{name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}}]
`,
        tlsRouteYaml(ns, "bound", "bound", ["bound.traffic.test"], [{ name: "svc-beta", port: 443 }]),
      ].join("---\n"),
    );
    await waitRouteConditions(cluster, ns, "bound", ROUTE_OK);
    const gateway = await waitObjectCondition(cluster, "gateway", ns, "bound", "Programmed", "True/Programmed");
    expect(gateway.status?.addresses).toEqual([{ type: "IPAddress", value: net.hostAddress }]);
    const session = await openTls(proxy!.port(443), "bound.traffic.test", pki.ca, net.hostAddress);
    expect(await session.firstLine).toBe("beta");
    session.socket.destroy();
    // Not on the default address: that socket serves the other Gateway's names only.
    expect(await isRefused(proxy!.port(443), "bound.traffic.test", pki.ca)).toBe(true);
  }, 60_000);

  // Last: it deletes the route and the Gateway.
  test("deleting the route, then the Gateway, refuses new connections while an established stream keeps flowing", async () => {
    const stream = await openTls(proxy!.port(443), "scaled.traffic.test", pki.ca);
    expect(await stream.firstLine).toBe("gamma");
    let closed = false;
    stream.socket.once("close", () => (closed = true));
    expect(await echo(stream, "one")).toBe("one");
    await cluster.kubectl(["delete", "tlsroute", "-n", ns, "scaled"]);
    const since = performance.now();
    while (!(await isRefused(proxy!.port(443), "scaled.traffic.test", pki.ca))) {
      if (performance.now() - since > 30_000) throw new Error("still routed 30 s after the route was deleted");
    }
    expect(await echo(stream, "two")).toBe("two");
    await cluster.kubectl(["delete", "gateway", "-n", ns, "edge"]);
    // The listening socket goes away with the last Gateway on its port.
    const unbound = performance.now();
    while (!(await isRefused(proxy!.port(443), "app.traffic.test", pki.ca))) {
      if (performance.now() - unbound > 30_000) throw new Error("still accepting 30 s after the Gateway was deleted");
    }
    expect(await echo(stream, "three")).toBe("three");
    expect(closed).toBe(false);
    stream.socket.destroy();
  }, 120_000);
});
