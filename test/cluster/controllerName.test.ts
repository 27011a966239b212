// Two independent Couriers in one cluster (--controller-name): each serves only the
// Gateways of its own GatewayClass, writes status only for its own class, Gateways
// and route parents (a route attached to both Gateways carries one entry from each,
// and neither Courier drops the other's), and elects its status writer on its own
// Lease, though both Leases live in one namespace.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Pki } from "../../demo/pki.ts";
import { statusLeaseName } from "../../proxy/status/statusSync.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { startClusterBackends, type ClusterBackends } from "../helpers/clusterBackends.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import { isRefused, landing } from "../helpers/tlsClient.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  eventually,
  gatewayYaml,
  getObject,
  type KubeJson,
  routeParentsOf,
  serviceWithEndpointsYaml,
  startClusterProxy,
  summary,
  tlsRouteYaml,
  waitObjectCondition,
} from "./controllerKit.ts";

const ns = `ctl-names-${process.pid}`;
/** Two controller names, neither Courier's default, so that other tests' Couriers leave these objects alone. */
const ALPHA = { controller: `test.courier.dev/alpha-${process.pid}`, className: `alpha-${process.pid}`, gateway: "alpha-gw", host: "alpha.names.test" };
const BETA = { controller: `test.courier.dev/beta-${process.pid}`, className: `beta-${process.pid}`, gateway: "beta-gw", host: "beta.names.test" };
const ROUTES = "tlsroutes.gateway.networking.k8s.io";

let cluster: Cluster;
let backends: ClusterBackends | undefined;
let pki: Pki;
const proxies: ClusterProxy[] = [];

function classYaml(side: typeof ALPHA): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: ${side.className}}
spec: {controllerName: ${side.controller}}
`;
}

async function startCourier(side: typeof ALPHA): Promise<ClusterProxy> {
  const proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns, extra: ["--controller-name", side.controller] });
  proxies.push(proxy);
  return proxy;
}

/** controllerName -> condition summary of each status.parents entry of a route. */
async function parentsOf(name: string): Promise<Record<string, Record<string, string>>> {
  const route = await getObject(cluster, ROUTES, ns, name);
  return Object.fromEntries(routeParentsOf(route).map((p) => [`${p.controllerName} ${String(p.parentRef.name)}`, summary(p.conditions)]));
}

async function leaseHolder(controller: string): Promise<string | undefined> {
  const lease = await getObject(cluster, "lease", ns, statusLeaseName(controller));
  return (lease?.spec as { holderIdentity?: string | null } | undefined)?.holderIdentity ?? undefined;
}

const OK = { Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" };

beforeAll(async () => {
  cluster = await useCluster();
  backends = await startClusterBackends("names", [{ name: "named", dnsNames: ["*.names.test"] }]);
  pki = backends.pki;
  await applyScenario(cluster, [ns], [
    classYaml(ALPHA),
    classYaml(BETA),
    gatewayYaml(ns, ALPHA.gateway, { gatewayClassName: ALPHA.className }),
    gatewayYaml(ns, BETA.gateway, { gatewayClassName: BETA.className }),
    serviceWithEndpointsYaml(ns, "app", [backends.address.named!]),
    tlsRouteYaml(ns, "alpha-route", ALPHA.gateway, [ALPHA.host], [{ name: "app", port: 443 }]),
    tlsRouteYaml(ns, "beta-route", BETA.gateway, [BETA.host], [{ name: "app", port: 443 }]),
    // One route attached to both Gateways: each Courier owns one entry of its status.parents.
    `apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: both, namespace: ${ns}}
spec:
  parentRefs: [{name: ${ALPHA.gateway}}, {name: ${BETA.gateway}}]
  hostnames: [both.names.test]
  rules: [{backendRefs: [{name: app, port: 443}]}]
`,
  ]);
}, 10 * 60_000);

afterAll(async () => {
  for (const proxy of proxies) await proxy.process.stop();
  if (cluster !== undefined) {
    await deleteTestObjects(cluster, ns);
    await cluster.kubectl(["delete", "gatewayclasses.gateway.networking.k8s.io", ALPHA.className, BETA.className, "--ignore-not-found", "--wait=false"]);
    await cluster.kubectl(["delete", "leases", "-n", ns, "--all", "--ignore-not-found", "--wait=false"]);
  }
  await backends?.close();
});

describe("two Couriers with different --controller-name in one cluster", () => {
  let alpha: ClusterProxy;
  let beta: ClusterProxy;

  test("the first serves and writes status only for its own class; the other class's objects stay untouched", async () => {
    alpha = await startCourier(ALPHA);
    await waitObjectCondition(cluster, "gatewayclasses.gateway.networking.k8s.io", undefined, ALPHA.className, "Accepted", "True/Accepted");
    await waitObjectCondition(cluster, "gateways.gateway.networking.k8s.io", ns, ALPHA.gateway, "Programmed", "True/Programmed");
    await eventually("alpha's entry on the shared route", async () => ((await parentsOf("both"))[`${ALPHA.controller} ${ALPHA.gateway}`] !== undefined ? true : undefined));
    expect(await parentsOf("alpha-route")).toEqual({ [`${ALPHA.controller} ${ALPHA.gateway}`]: OK });
    expect(await parentsOf("both")).toEqual({ [`${ALPHA.controller} ${ALPHA.gateway}`]: OK });

    // Beta's class, Gateway and route: nobody has written anything (the CRD's defaults only).
    const betaClass = await getObject(cluster, "gatewayclasses.gateway.networking.k8s.io", undefined, BETA.className);
    expect(summary(betaClass?.status?.conditions).Accepted).not.toBe("True/Accepted");
    const betaGateway = await getObject(cluster, "gateways.gateway.networking.k8s.io", ns, BETA.gateway);
    expect(summary(betaGateway?.status?.conditions).Programmed).not.toBe("True/Programmed");
    expect(await parentsOf("beta-route")).toEqual({});

    expect(await landing(alpha.port(443), ALPHA.host, pki.ca)).toBe("named");
    expect(await landing(alpha.port(443), "both.names.test", pki.ca)).toBe("named");
    expect(await isRefused(alpha.port(443), BETA.host, pki.ca)).toBe(true);
    expect(alpha.process.logs()).toContain(`controller=${ALPHA.controller}`);
  }, 180_000);

  test("the second serves its own class beside the first; the shared route carries one entry of each", async () => {
    beta = await startCourier(BETA);
    await waitObjectCondition(cluster, "gatewayclasses.gateway.networking.k8s.io", undefined, BETA.className, "Accepted", "True/Accepted");
    await waitObjectCondition(cluster, "gateways.gateway.networking.k8s.io", ns, BETA.gateway, "Programmed", "True/Programmed");
    const both = await eventually("both entries on the shared route", async () => {
      const parents = await parentsOf("both");
      return Object.keys(parents).length === 2 ? parents : undefined;
    });
    expect(both).toEqual({ [`${ALPHA.controller} ${ALPHA.gateway}`]: OK, [`${BETA.controller} ${BETA.gateway}`]: OK });
    expect(await parentsOf("beta-route")).toEqual({ [`${BETA.controller} ${BETA.gateway}`]: OK });
    // Alpha's route never got an entry from beta.
    expect(await parentsOf("alpha-route")).toEqual({ [`${ALPHA.controller} ${ALPHA.gateway}`]: OK });

    expect(await landing(beta.port(443), BETA.host, pki.ca)).toBe("named");
    expect(await landing(beta.port(443), "both.names.test", pki.ca)).toBe("named");
    expect(await isRefused(beta.port(443), ALPHA.host, pki.ca)).toBe(true);
    expect(await isRefused(alpha.port(443), BETA.host, pki.ca)).toBe(true);
  }, 180_000);

  test("each is the status writer of its own Lease in the one lease namespace", async () => {
    expect(statusLeaseName(ALPHA.controller)).not.toBe(statusLeaseName(BETA.controller));
    const holders = await eventually("both Leases held", async () => {
      const [a, b] = [await leaseHolder(ALPHA.controller), await leaseHolder(BETA.controller)];
      return a !== undefined && b !== undefined ? { a, b } : undefined;
    });
    expect(holders.a.endsWith(`-${alpha.process.pid}`)).toBe(true);
    expect(holders.b.endsWith(`-${beta.process.pid}`)).toBe(true);
    expect(await getObject(cluster, "lease", ns, "courier-status-writer")).toBeUndefined();
  }, 60_000);

  test("a change to one class's route is written by its Courier only; the other's entry stays as it was", async () => {
    const before = (await getObject(cluster, ROUTES, ns, "both")) as KubeJson;
    const betaEntry = routeParentsOf(before).find((p) => p.controllerName === BETA.controller);
    // Point the alpha route at a missing Service: alpha writes ResolvedRefs=False; beta has nothing to say.
    await cluster.apply(tlsRouteYaml(ns, "alpha-route", ALPHA.gateway, [ALPHA.host], [{ name: "missing", port: 443 }]));
    await eventually("alpha's ResolvedRefs=False", async () => ((await parentsOf("alpha-route"))[`${ALPHA.controller} ${ALPHA.gateway}`]?.ResolvedRefs === "False/BackendNotFound" ? true : undefined));
    expect(Object.keys(await parentsOf("alpha-route"))).toEqual([`${ALPHA.controller} ${ALPHA.gateway}`]);
    const after = (await getObject(cluster, ROUTES, ns, "both")) as KubeJson;
    expect(routeParentsOf(after).find((p) => p.controllerName === BETA.controller)).toEqual(betaEntry!);
  }, 60_000);
});
