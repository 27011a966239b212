// Courier's Events on the real API server: a route whose backend is missing gets a
// Warning (BackendNotFound) that `kubectl describe tlsroute` shows, fixing it a
// Normal one, and the same problem again is counted in the first Event's series
// instead of becoming a second Event.
import type { TCPSocketListener } from "bun";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import {
  type ClusterProxy,
  CONTROLLER,
  deleteTestObjects,
  eventually,
  gatewayClassYaml,
  gatewayYaml,
  getObject,
  holdListenerPort,
  serviceWithEndpointsYaml,
  startClusterProxy,
  tlsRouteYaml,
  waitRouteConditions,
} from "./controllerKit.ts";

const ns = `ctl-events-${process.pid}`;
let cluster: Cluster;
let proxy: ClusterProxy | undefined;

interface EventJson {
  readonly metadata: { readonly name: string };
  readonly type: string;
  readonly reason: string;
  readonly action: string;
  readonly note?: string;
  readonly reportingController: string;
  readonly reportingInstance: string;
  readonly regarding: { readonly apiVersion?: string; readonly kind: string; readonly namespace?: string; readonly name: string; readonly uid?: string };
  readonly series?: { readonly count: number; readonly lastObservedTime: string };
}

beforeAll(async () => {
  cluster = await useCluster();
  await applyScenario(cluster, [ns], [
    gatewayClassYaml(),
    gatewayYaml(ns, "edge", { hostname: "*.events.test" }),
    tlsRouteYaml(ns, "broken", "edge", ["cache.events.test"], [{ name: "cache", port: 443 }]),
  ]);
  proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns });
  await waitRouteConditions(cluster, ns, "broken", { Accepted: "True/Accepted", ResolvedRefs: "False/BackendNotFound" });
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  if (cluster !== undefined) {
    await deleteTestObjects(cluster, ns);
    await cluster.kubectl(["delete", "-n", ns, "--ignore-not-found", "--wait=false", "events.events.k8s.io", "--all"]);
  }
});

async function kubectl(...args: string[]): Promise<string> {
  const result = await cluster.kubectl(["-n", ns, ...args]);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** Courier's Events about TLSRoute `name`, through the events.k8s.io API. */
async function routeEvents(name: string): Promise<EventJson[]> {
  const list = JSON.parse(await kubectl("get", "events.v1.events.k8s.io", "-o", "json")) as { items: EventJson[] };
  return list.items.filter((e) => e.reportingController === CONTROLLER && e.regarding.kind === "TLSRoute" && e.regarding.name === name);
}

async function waitEvents(name: string, what: string, done: (events: EventJson[]) => boolean): Promise<EventJson[]> {
  return await eventually(what, async () => {
    const events = await routeEvents(name);
    return done(events) ? events : undefined;
  }, 60_000, 250);
}

describe("Courier's Events", () => {
  test("a missing backend: a Warning BackendNotFound about the route, with its uid, shown by kubectl describe", async () => {
    const events = await waitEvents("broken", "a BackendNotFound Event", (all) => all.some((e) => e.reason === "BackendNotFound"));
    const warning = events.find((e) => e.reason === "BackendNotFound")!;
    const route = await getObject(cluster, "tlsroute", ns, "broken");
    expect(warning.type).toBe("Warning");
    expect(warning.action).toBe("Reconcile");
    expect(warning.reportingInstance).not.toBe("");
    expect(warning.regarding).toMatchObject({ kind: "TLSRoute", namespace: ns, name: "broken", uid: (route?.metadata as { uid?: string } | undefined)?.uid });
    expect(warning.regarding.apiVersion).toStartWith("gateway.networking.k8s.io/");
    expect(warning.note).toContain("cache");

    const text = await kubectl("describe", "tlsroute", "broken");
    const section = text.slice(text.indexOf("Events:"));
    expect(section).toMatch(/^\s+Type\s+Reason\s+Age\s+From\s+Message$/m);
    expect(section).toMatch(new RegExp(`^\\s+Warning\\s+BackendNotFound\\s+.*\\s${CONTROLLER.replaceAll(".", "\\.")}\\s+.*cache`, "m"));
  });

  test("fixing the backend: a Normal Event", async () => {
    await cluster.apply(serviceWithEndpointsYaml(ns, "cache", ["198.18.255.254"]));
    await waitRouteConditions(cluster, ns, "broken", { Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" });
    const events = await waitEvents("broken", "a Normal ResolvedRefs Event", (all) => all.some((e) => e.type === "Normal" && e.reason === "ResolvedRefs"));
    expect(events.filter((e) => e.type === "Normal" && e.reason === "ResolvedRefs")).toHaveLength(1);
    expect(await kubectl("describe", "tlsroute", "broken")).toMatch(/^\s+Normal\s+ResolvedRefs\s+/m);
  });

  test("the same problem again is counted in the first Event's series, not a new Event", async () => {
    await kubectl("delete", "service", "cache");
    await waitRouteConditions(cluster, ns, "broken", { Accepted: "True/Accepted", ResolvedRefs: "False/BackendNotFound" });
    const events = await waitEvents("broken", "series.count 2 on the BackendNotFound Event", (all) => all.some((e) => e.reason === "BackendNotFound" && e.series?.count === 2));
    const warnings = events.filter((e) => e.reason === "BackendNotFound");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.series?.lastObservedTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    // kubectl describe reads the same Event through the core API, with its count.
    expect(await kubectl("describe", "tlsroute", "broken")).toMatch(/^\s+Warning\s+BackendNotFound\s+.*\(x2 over/m);
  });

  test("a listener that cannot bind: a Warning on its Gateway; bound once the port is free: a Normal one", async () => {
    const held = holdListenerPort(proxy!);
    let squatter: TCPSocketListener<undefined> | undefined = held.squatter;
    const listenerPort = held.listenerPort;
    try {
      await cluster.apply(gatewayYaml(ns, "blocked", { port: listenerPort }));
      const gatewayEvents = async (): Promise<EventJson[]> => {
        const list = JSON.parse(await kubectl("get", "events.v1.events.k8s.io", "-o", "json")) as { items: EventJson[] };
        return list.items.filter((e) => e.reportingController === CONTROLLER && e.regarding.kind === "Gateway" && e.regarding.name === "blocked");
      };
      const failed = await eventually("a Warning Pending Event on Gateway blocked", async () => (await gatewayEvents()).find((e) => e.type === "Warning" && e.reason === "Pending"), 60_000, 250);
      expect(failed.action).toBe("Bind");
      expect(failed.note).toContain(`cannot listen on 127.0.0.1:${proxy!.port(listenerPort)}`);
      expect(await kubectl("describe", "gateway", "blocked")).toMatch(/^\s+Warning\s+Pending\s+.*cannot listen on/m);
      squatter!.stop(true);
      squatter = undefined;
      await eventually("a Normal Programmed Event on Gateway blocked", async () => (await gatewayEvents()).find((e) => e.type === "Normal" && e.reason === "Programmed"), 60_000, 250);
    } finally {
      squatter?.stop(true);
    }
  }, 120_000);

  test("winning leadership is an Event on the Lease", async () => {
    const list = JSON.parse(await kubectl("get", "events.v1.events.k8s.io", "-o", "json")) as { items: EventJson[] };
    const elected = list.items.filter((e) => e.reportingController === CONTROLLER && e.regarding.kind === "Lease" && e.reason === "LeaderElected");
    expect(elected.length).toBeGreaterThanOrEqual(1);
    expect(elected[0]!.regarding).toMatchObject({ apiVersion: "coordination.k8s.io/v1", namespace: ns, name: "courier-status-writer" });
  });
});
