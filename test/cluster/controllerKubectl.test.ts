// What users see with kubectl once Courier has written status: `get -o wide`,
// `describe`, and the jsonpath queries people paste from docs, for a route that
// works, one whose backend is missing and one whose hostname matches no listener.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import {
  type ClusterProxy,
  CONTROLLER,
  deleteTestObjects,
  gatewayClassYaml,
  gatewayYaml,
  getObject,
  ROUTE_OK,
  serviceWithEndpointsYaml,
  startClusterProxy,
  tlsRouteYaml,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-kubectl-${process.pid}`;
const GATEWAY_ADDRESS = "198.18.255.1";
let cluster: Cluster;
let proxy: ClusterProxy | undefined;

beforeAll(async () => {
  cluster = await useCluster();
  await applyScenario(cluster, [ns], [
    gatewayClassYaml(),
    gatewayYaml(ns, "edge", { hostname: "*.kubectl.test", allowedRoutes: "{namespaces: {from: Same}, kinds: [{kind: TLSRoute}]}" }),
    // An address nobody listens on: status does not need a live endpoint.
    serviceWithEndpointsYaml(ns, "db", ["198.18.255.254"]),
    tlsRouteYaml(ns, "good", "edge", ["db.kubectl.test"], [{ name: "db", port: 443 }]),
    tlsRouteYaml(ns, "missing", "edge", ["cache.kubectl.test"], [{ name: "cache", port: 443 }]),
    tlsRouteYaml(ns, "elsewhere", "edge", ["db.other.test"], [{ name: "db", port: 443 }]),
  ]);
  // What a load balancer in front of the proxy's Service would be reached at.
  proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns, extra: ["--gateway-address", GATEWAY_ADDRESS] });
  await waitRouteConditions(cluster, ns, "good", ROUTE_OK);
  await waitRouteConditions(cluster, ns, "missing", { Accepted: "True/Accepted", ResolvedRefs: "False/BackendNotFound" });
  await waitRouteConditions(cluster, ns, "elsewhere", { Accepted: "False/NoMatchingListenerHostname", ResolvedRefs: "True/ResolvedRefs" });
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  if (cluster !== undefined) await deleteTestObjects(cluster, ns);
});

async function kubectl(...args: string[]): Promise<string> {
  const result = await cluster.kubectl(["-n", ns, ...args]);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** kubectl prints each matched map of a jsonpath as JSON, separated by spaces. */
function jsonObjects(text: string): Record<string, unknown>[] {
  const trimmed = text.trim();
  return trimmed === "" ? [] : (JSON.parse(`[${trimmed.replaceAll("} {", "},{")}]`) as Record<string, unknown>[]);
}

describe("kubectl answers from the status Courier writes", () => {
  test("kubectl get tlsroute NAME -o wide lists the route", async () => {
    const lines = (await kubectl("get", "tlsroute", "good", "-o", "wide")).trim().split("\n");
    expect(lines[0]!.split(/\s+/)).toEqual(["NAME", "AGE"]);
    expect(lines[1]!.split(/\s+/)[0]).toBe("good");
    expect(lines.length).toBe(2);
  });

  test("kubectl get gateway shows the address given by --gateway-address and Programmed=True", async () => {
    const lines = (await kubectl("get", "gateway", "edge")).trim().split("\n");
    expect(lines[0]!.split(/\s+/)).toEqual(["NAME", "CLASS", "ADDRESS", "PROGRAMMED", "AGE"]);
    expect(lines[1]!.split(/\s+/).slice(0, 4)).toEqual(["edge", "courier", GATEWAY_ADDRESS, "True"]);
  });

  test("kubectl describe tlsroute NAME tells who accepted it, for which parent, and why", async () => {
    const text = await kubectl("describe", "tlsroute", "good");
    expect(text).toMatch(/^Name:\s+good$/m);
    expect(text).toMatch(/^\s+Controller Name:\s+courier\.dev\/gateway-controller$/m);
    expect(text).toMatch(/^\s+Parent Ref:\n\s+Group:\s+gateway\.networking\.k8s\.io\n\s+Kind:\s+Gateway\n\s+Name:\s+edge$/m);
    expect(text).toMatch(/Message:\s+Accepted by Gateway ctl-kubectl-\d+\/edge listener tls\n/);
    for (const [type, reason] of [
      ["Accepted", "Accepted"],
      ["ResolvedRefs", "ResolvedRefs"],
    ]) {
      expect(text).toMatch(new RegExp(`Observed Generation:\\s+1\\n\\s+Reason:\\s+${reason}\\n\\s+Status:\\s+True\\n\\s+Type:\\s+${type}`));
    }
    const missing = await kubectl("describe", "tlsroute", "missing");
    expect(missing).toMatch(/Reason:\s+BackendNotFound\n\s+Status:\s+False\n\s+Type:\s+ResolvedRefs/);
    expect(missing).toContain("cache");
  });

  test("-o jsonpath='{.status.parents[*].conditions[*]}' prints every condition with observedGeneration", async () => {
    const conditions = jsonObjects(await kubectl("get", "tlsroute", "good", "-o", "jsonpath={.status.parents[*].conditions[*]}"));
    expect(conditions.map((c) => [c.type, c.status, c.reason, c.observedGeneration])).toEqual([
      ["Accepted", "True", "Accepted", 1],
      ["ResolvedRefs", "True", "ResolvedRefs", 1],
    ]);
    for (const c of conditions) {
      expect(typeof c.message).toBe("string");
      expect(c.lastTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    const elsewhere = jsonObjects(await kubectl("get", "tlsroute", "elsewhere", "-o", "jsonpath={.status.parents[*].conditions[*]}"));
    expect(elsewhere.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual(["Accepted=False/NoMatchingListenerHostname", "ResolvedRefs=True/ResolvedRefs"]);
  });

  test(`-o jsonpath='{.status.parents[0].conditions[?(@.type=="ResolvedRefs")]}' picks the one condition`, async () => {
    const query = `jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")]}`;
    const good = jsonObjects(await kubectl("get", "tlsroute", "good", "-o", query));
    expect(good.map((c) => [c.type, c.status, c.reason])).toEqual([["ResolvedRefs", "True", "ResolvedRefs"]]);
    const missing = jsonObjects(await kubectl("get", "tlsroute", "missing", "-o", query));
    expect(missing.map((c) => [c.type, c.status, c.reason])).toEqual([["ResolvedRefs", "False", "BackendNotFound"]]);
    expect(String(missing[0]!.message)).toContain("cache");
  });

  test("kubectl get gateway NAME -o jsonpath='{.spec.listeners[*].allowedRoutes}' shows what the listener admits", async () => {
    const allowed = jsonObjects(await kubectl("get", "gateway", "edge", "-o", "jsonpath={.spec.listeners[*].allowedRoutes}"));
    expect(allowed).toEqual([{ kinds: [{ group: "gateway.networking.k8s.io", kind: "TLSRoute" }], namespaces: { from: "Same" } }]);
    // And the listener's status agrees: that kind is supported, two routes attached (the third matches no hostname).
    const gateway = await getObject(cluster, "gateway", ns, "edge");
    const listeners = gateway?.status?.listeners as { name: string; attachedRoutes: number; supportedKinds: unknown[] }[];
    expect(listeners.map((l) => [l.name, l.attachedRoutes, l.supportedKinds])).toEqual([["tls", 2, [{ group: "gateway.networking.k8s.io", kind: "TLSRoute" }]]]);
  });

  test("only our parent entry, copied with defaulted group and kind", async () => {
    const route = await getObject(cluster, "tlsroute", ns, "good");
    const parents = route?.status?.parents as { controllerName: string; parentRef: unknown }[];
    expect(parents).toHaveLength(1);
    expect(parents[0]!.controllerName).toBe(CONTROLLER);
    expect(parents[0]!.parentRef).toEqual({ group: "gateway.networking.k8s.io", kind: "Gateway", name: "edge" });
  });
});
