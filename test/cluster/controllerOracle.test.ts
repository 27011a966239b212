// Incremental and full translation agree on a real API server (issue 16). A seeded
// random sequence of creates, updates and deletes of GatewayClasses, Gateways,
// TLSRoutes, Services, EndpointSlices, ServiceImports, ReferenceGrants and Namespace
// labels (test/proxy/translate/randomWorld.ts, written by worldWrites.ts) goes to the
// API server while one Courier in cluster mode follows it with its incremental
// translate. At every checkpoint the writes pause and, once Courier has caught up,
// what it did must be what a from-scratch translate() of the same objects, read back
// from the API server, says: the statuses users see (every condition with its reason,
// message and observedGeneration, listener attachedRoutes, Gateway addresses; Courier's
// entries of every route, removed ones included) and where new TLS connections land,
// for a set of SNIs on every listening port, against real backends. A fixed baseline
// (a Gateway, route and Services outside the world's pools) makes sure connections
// are routed, not only refused. COURIER_ORACLE_SEED=N runs another sequence.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseServeArgs } from "../../proxy/app/cli.ts";
import { planner, type Planner } from "../../proxy/app/planner.ts";
import { KubeClient } from "../../proxy/kubeapi/client.ts";
import { loadKubeconfig } from "../../proxy/kubeapi/credentials.ts";
import { discoverResources, type WatchedResources } from "../../proxy/kubeapi/resources.ts";
import type { Plan } from "../../proxy/model/plan.ts";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { startClusterBackends, type ClusterBackends } from "../helpers/clusterBackends.ts";
import { freeOffset } from "../helpers/portOffset.ts";
import { seededRandom } from "../helpers/seededRandom.ts";
import { landing } from "../helpers/tlsClient.ts";
import { RandomWorld, type WorldNames } from "../proxy/translate/randomWorld.ts";
import {
  type ClusterProxy,
  deleteTestObjects,
  eventually,
  gatewayClassYaml,
  gatewayYaml,
  serviceWithEndpointsYaml,
  startClusterProxy,
  tlsRouteYaml,
} from "./controllerKit.ts";
import { fullPlan, listObjects, plannedStatuses, possibleLandings, REFUSED, writtenStatuses, type StatusView } from "./fullPlan.ts";
import { WorldWriter } from "./worldWrites.ts";

const SEED = Number(process.env.COURIER_ORACLE_SEED ?? 16);
const EVENTS = 400;
const CHECKPOINT_EVERY = 50;
/** Courier's catch-up after a burst of writes, statuses included. */
const CATCH_UP_MS = 30_000;
/** Listener ports the world's Gateways use (randomWorld.ts). */
const LISTENER_PORTS = [443, 8443];
/** New connections per SNI and socket at each checkpoint. */
const ATTEMPTS = 3;
/** SNIs that meet the world's exact and wildcard hostnames, the baseline's, and one that meets none. */
const SNIS = ["base.example.com", "a.example.com", "b.example.com", "z.example.com", "x.a.example.com", "c.other.org", "d.other.org", "none.test"];

const pid = process.pid;
const names: WorldNames = {
  namespaces: [`oracle-${pid}-a`, `oracle-${pid}-b`, `oracle-${pid}-c`],
  ourClass: `oracle-${pid}`,
  controllerName: `test.courier.dev/oracle-${pid}`,
  otherClass: `oracle-other-${pid}`,
  missingClass: `oracle-missing-${pid}`,
};
const namespaces = new Set<string>(names.namespaces);

let cluster: Cluster;
let client: KubeClient;
let resources: WatchedResources;
let backends: ClusterBackends | undefined;
let proxy: ClusterProxy | undefined;
/** Translates from scratch, with the options Courier was started with. */
let fresh: Planner;
/** The world's endpoint address 10.0.0.N is backend N-1; each backend greets with its name. */
const BACKENDS = ["b1", "b2", "b3", "b4"];

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(loadKubeconfig(cluster.kubeconfig));
  resources = await discoverResources(client);
  backends = await startClusterBackends("oracle", BACKENDS.map((name) => ({ name, dnsNames: SNIS })));
  await cluster.createNamespaces(...names.namespaces);
  await cluster.apply(baseline().join("---\n"));
  const offset = await freeOffset(LISTENER_PORTS);
  const args = ["--port-offset", String(offset), "--listen-address", "127.0.0.1", "--controller-name", names.controllerName];
  const parsed = parseServeArgs(["--kubeconfig", cluster.kubeconfig, ...args]);
  if ("error" in parsed) throw new Error(parsed.error);
  fresh = planner(parsed.options, false, false);
  proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: names.namespaces[0], offset, extra: ["--controller-name", names.controllerName] });
}, 10 * 60_000);

afterAll(async () => {
  await proxy?.process.stop();
  if (cluster !== undefined) {
    for (const namespace of names.namespaces) {
      await deleteTestObjects(cluster, namespace);
      await cluster.kubectl(["delete", "-n", namespace, "--ignore-not-found", "--wait=false", "serviceimports.multicluster.x-k8s.io", "--all"]);
    }
    await cluster.kubectl(["delete", "gatewayclass", "--ignore-not-found", names.ourClass, names.otherClass]);
  }
  await backends?.close();
});

/**
 * Objects outside the world's pools that route a connection whenever Courier's class
 * exists (the world may delete it): without them most checkpoints of a sparse world
 * would route nothing. Their socket is the world's, so they meet its routes there.
 */
function baseline(): string[] {
  const ns = names.namespaces[2];
  return [
    gatewayClassYaml(names.ourClass, names.controllerName),
    gatewayYaml(ns, "base", { gatewayClassName: names.ourClass, hostname: "base.example.com" }),
    tlsRouteYaml(ns, "base", "base", ["base.example.com"], [{ name: "base-1", port: 443, weight: 1 }, { name: "base-2", port: 443, weight: 1 }]),
    serviceWithEndpointsYaml(ns, "base-1", [backends!.address.b1!]),
    serviceWithEndpointsYaml(ns, "base-2", [backends!.address.b2!, backends!.address.b3!]),
  ];
}

function backendAddress(worldAddress: string): string {
  const index = Number(/^10\.0\.0\.(\d+)$/.exec(worldAddress)?.[1]) - 1;
  const name = BACKENDS[index];
  if (name === undefined) throw new Error(`no backend for world address ${worldAddress}`);
  return backends!.address[name]!;
}

function backendAt(host: string): string | undefined {
  return BACKENDS.find((name) => backends!.address[name] === host);
}

/** Courier's written statuses of the objects `planned` names, once they equal it (or the last seen, after CATCH_UP_MS). */
async function caughtUp(planned: StatusView): Promise<StatusView> {
  let written: StatusView = {};
  const read = async (): Promise<StatusView> => {
    const objects = (await Promise.all([resources.gatewayClasses, resources.gateways, resources.tlsRoutes].map((r) => listObjects(client, r)))).flat();
    written = writtenStatuses(planned, objects, names.controllerName);
    return written;
  };
  await eventually("Courier's statuses to equal the full translate's", async () => (Bun.deepEquals(await read(), planned) ? true : undefined), CATCH_UP_MS, 200).catch(() => undefined);
  return written;
}

/**
 * Where each SNI landed on each of the Plan's ports, next to the landings the Plan
 * allows ("b1|b2|refused"). A landing the Plan allows is reported as that whole set,
 * so that a failed comparison shows only what is wrong.
 */
async function landings(plan: Plan): Promise<{ readonly seen: Record<string, string>; readonly allowed: Record<string, string>; readonly routed: number }> {
  const seen: Record<string, string> = {};
  const allowed: Record<string, string> = {};
  let routed = 0;
  for (const port of plan.ports) {
    for (const sni of SNIS) {
      const key = `${port.address}:${port.port} ${sni}`;
      const possible = possibleLandings(port, sni, backendAt);
      allowed[key] = [...possible].sort().join("|");
      seen[key] = allowed[key];
      // A few connections each: the choice between backends (or a refused share) is random.
      for (let attempt = 0; attempt < ATTEMPTS && seen[key] === allowed[key]; attempt++) {
        const landed = await landing(port.port, sni, backends!.pki.ca).catch(() => REFUSED);
        if (!possible.has(landed)) seen[key] = landed;
        if (landed !== REFUSED) routed++;
      }
    }
  }
  return { seen, allowed, routed };
}

describe("incremental translate on a real API server", () => {
  test(`Courier's statuses and routing equal a full translate at every checkpoint of ${EVENTS} random events (seed ${SEED})`, async () => {
    const world = new RandomWorld(seededRandom(SEED), names);
    const writer = new WorldWriter(client, resources, world, backendAddress);
    let routed = 0;
    for (let event = 1; event <= EVENTS; event++) {
      await writer.write(world.next());
      if (event % CHECKPOINT_EVERY !== 0) continue;
      const { plan, routes } = await fullPlan(client, resources, fresh);
      const planned = plannedStatuses(plan, routes, namespaces, names.controllerName);
      expect({ event, statuses: await caughtUp(planned) }).toEqual({ event, statuses: planned });
      const checked = await landings(plan);
      expect({ event, landings: checked.seen }).toEqual({ event, landings: checked.allowed });
      routed += checked.routed;
      console.log(`oracle: event ${event}: ${plan.gateways.length} Gateways, ${plan.routes.length} routes, ${plan.ports.length} sockets agree`);
    }
    console.log(`oracle: ${writer.applied} writes applied, ${writer.refused} refused by the API server; ${routed} connections routed at the checkpoints`);
    // The sequence must do something: most writes accepted, some connections routed.
    expect(writer.applied).toBeGreaterThan(EVENTS / 2);
    expect(routed).toBeGreaterThan(0);
  }, 240_000);
});
