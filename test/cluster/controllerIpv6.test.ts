// IPv6 from live objects on the real API server: a Service whose EndpointSlice has
// addressType IPv6 routes real TLS traffic to its backend (at an IPv6 address in a
// network namespace: the API server refuses ::1 as an endpoint address); FQDN slices
// are ignored; a Gateway asking for spec.addresses ::1 binds there and reports it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPki, type Pki } from "../../demo/pki.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import { createBackendNet, type BackendNet, type NetnsBackend } from "../helpers/netnsBackends.ts";
import { isRefused, landing, openTls } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  endpointSliceYaml,
  eventually,
  gatewayClassYaml,
  gatewayYaml,
  getObject,
  ROUTE_OK,
  serviceYaml,
  startClusterProxy,
  tlsRouteYaml,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-ipv6-${process.pid}`;

let cluster: Cluster;
let dir: string;
let pki: Pki;
let net: BackendNet | undefined;
let backend: NetnsBackend;
let proxy: ClusterProxy | undefined;

beforeAll(async () => {
  cluster = await useCluster();
  dir = mkdtempSync(join(tmpdir(), "courier-ipv6-"));
  pki = createPki(join(dir, "pki"));
  net = await createBackendNet(1, { ipv6: true });
  backend = await net.startBackend("six", pki.issue("six", ["*.ipv6.test"]), net.addresses6[0]!);
  await applyScenario(cluster, [ns], [
    gatewayClassYaml(),
    gatewayYaml(ns, "edge"),
    // An IPv6 slice next to an FQDN slice naming a host that does not resolve: only the IPv6 one is dialed.
    serviceYaml(ns, "six", 443, backend.port),
    endpointSliceYaml(ns, "six", [backend.address], backend.port, true, { addressType: "IPv6" }),
    endpointSliceYaml(ns, "six", ["nowhere.invalid"], backend.port, true, { addressType: "FQDN", name: "six-fqdn" }),
    tlsRouteYaml(ns, "six", "edge", ["six.ipv6.test"], [{ name: "six", port: 443 }]),
    // Only an FQDN slice.
    serviceYaml(ns, "named", 443, backend.port),
    endpointSliceYaml(ns, "named", ["six.ipv6.test"], backend.port, true, { addressType: "FQDN" }),
    tlsRouteYaml(ns, "named", "edge", ["named.ipv6.test"], [{ name: "named", port: 443 }]),
    // A Gateway of its own on ::1, another listener port (the proxy's offset applies).
    gatewayYaml(ns, "edge6", { port: 444 }).replace("spec:\n", 'spec:\n  addresses: [{type: IPAddress, value: "::1"}]\n'),
    tlsRouteYaml(ns, "six-on-six", "edge6", ["six.ipv6.test"], [{ name: "six", port: 443 }]),
  ]);
  proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns });
  await waitRouteConditions(cluster, ns, "six", ROUTE_OK);
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  if (cluster !== undefined) await deleteTestObjects(cluster, ns);
  await net?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("IPv6 EndpointSlices and Gateway addresses", () => {
  test("an addressType IPv6 slice routes real TLS to its IPv6 endpoint; the FQDN slice beside it is never dialed", async () => {
    for (let i = 0; i < 5; i++) {
      expect(await eventually("six.ipv6.test -> six", async () => ((await landing(proxy!.port(443), "six.ipv6.test", pki.ca).catch(() => "refused")) === "six" ? "six" : undefined), 15_000)).toBe("six");
    }
    const session = await openTls(proxy!.port(443), "six.ipv6.test", pki.ca);
    try {
      expect(await session.firstLine).toBe("six");
      const echoed = new Promise<string>((resolve) => session.socket.once("data", (chunk: Buffer) => resolve(chunk.toString())));
      session.socket.write("through an IPv6 endpoint\n");
      expect(await echoed).toBe("through an IPv6 endpoint\n");
    } finally {
      session.socket.destroy();
    }
    const logs = proxy!.process.logs();
    expect(logs).toContain(`endpoint="[${backend.address}]:${backend.port}"`);
    expect(logs).not.toContain("nowhere.invalid");
  });

  test("a Service with only an FQDN slice has no endpoint: its connections are refused", async () => {
    await waitRouteConditions(cluster, ns, "named", ROUTE_OK);
    expect(await isRefused(proxy!.port(443), "named.ipv6.test", pki.ca)).toBe(true);
    // Refused for want of an endpoint, not after dialing the name.
    expect(await proxy!.process.waitForLog(/rejected .*sni=named\.ipv6\.test/)).toContain("reason=no-ready-endpoint");
  });

  test("a Gateway with spec.addresses ::1 listens there and reports it in status", async () => {
    const address = await eventually("edge6 status.addresses", async () => {
      const gateway = await getObject(cluster, "gateways.gateway.networking.k8s.io", ns, "edge6");
      const addresses = (gateway?.status as { addresses?: { type: string; value: string }[] } | undefined)?.addresses;
      return addresses !== undefined && addresses.length > 0 ? addresses : undefined;
    });
    expect(address).toEqual([{ type: "IPAddress", value: "::1" }]);
    await waitRouteConditions(cluster, ns, "six-on-six", ROUTE_OK);
    const session = await openTls(proxy!.port(444), "six.ipv6.test", pki.ca, "::1");
    try {
      expect(await session.firstLine).toBe("six");
    } finally {
      session.socket.destroy();
    }
    // Only on ::1: the IPv4 loopback has nothing on that port.
    expect(await isRefused(proxy!.port(444), "six.ipv6.test", pki.ca)).toBe(true);
  });
});
