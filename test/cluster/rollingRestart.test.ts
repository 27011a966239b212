// A rolling restart of Courier's two replicas refuses no new connection, because of
// the preStop wait the CourierProxy construct writes (issue 14, item 5). Courier runs
// as the construct's Deployment (two replicas, maxSurge 1 / maxUnavailable 0 as
// cdk8s-plus writes them, its probes, terminationGracePeriodSeconds 60) from the local
// image under runc on the test kubelet, with a TLS echo backend pod behind
// dist/basic.k8s.yaml's Gateway and route. kube-controller-manager's Deployment
// controller rolls the pods (`kubectl rollout restart`: a new pod, Ready, then an old
// one deleted, twice) and its EndpointSlice controller marks a deleted pod
// `ready: false, terminating: true` at once. The kubelet runs the preStop sleep before
// SIGTERM. Its service proxy stands in for a real cluster's data path: a refused
// endpoint reaches the client (one try per connection, as kube-proxy's iptables rules)
// and endpoint changes take effect SERVICE_LAG_MS late (kube-proxies and cloud load
// balancers are never instant). Real TLS clients open a connection through the
// Service's LoadBalancer address every 20 ms during each roll, and long-lived echo
// streams opened before it must stay intact until the drain closes them. With the
// preStop (3 s here, 10 s by default) no connection fails; with preStopDelay 0 the
// same roll refuses connections: SIGTERM closes the listeners before endpoints drop
// the pod.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { Chart, Duration } from "cdk8s";
import { stringify } from "yaml";
import { METRIC } from "../../contract/index.ts";
import { createPki, type Pki } from "../../demo/pki.ts";
import { CourierProxy } from "../../src/courierProxy.ts";
import { synth } from "../constructs/helpers.ts";
import {
  type CourierNode,
  ECHO_BACKEND_SELECTOR,
  echoBackendYaml,
  isReady,
  kubectlOk,
  manifests,
  only,
  type PodJson,
  podsOf,
  podTestsEnabled,
  seconds,
  startCourierNode,
} from "../helpers/courierPods.ts";
import { openTls } from "../helpers/tlsClient.ts";
import { eventually } from "./controllerKit.ts";
import { rollWatch, type RollWatch } from "../helpers/rollWatch.ts";
import { type EchoStream, openEchoStream, steadyConnections } from "../helpers/tlsLoad.ts";

const repo = resolve(import.meta.dir, "../..");
const enabled = podTestsEnabled("rollingRestart.test.ts");

const PRE_STOP_S = 3;
const DRAIN_TIMEOUT_MS = 4_000;
const SERVICE_LAG_MS = 1_000;
const CONNECT_EVERY_MS = 20;

const scenarioDocs = manifests(join(repo, "dist/basic.k8s.yaml"));
const route = only(scenarioDocs, "TLSRoute");
const scenarioNamespace = route.metadata.namespace ?? "default";
const hostname = (route.spec.hostnames as string[])[0]!;
const backendRef = (route.spec.rules as { backendRefs: { name: string; port: number }[] }[])[0]!.backendRefs[0]!;

/** The CourierProxy construct's objects with this preStop delay; the drain is shortened to keep the test short. */
function proxyYaml(preStopSeconds: number): { yaml: string; namespace: string; name: string; selector: string } {
  let proxy: CourierProxy | undefined;
  const objects = synth((chart: Chart) => {
    proxy = new CourierProxy(chart, "proxy", { preStopDelay: Duration.seconds(preStopSeconds) });
  });
  const deployment = objects.find((o) => o.kind === "Deployment")!;
  const container = (deployment.spec as { template: { spec: { containers: { args: string[] }[] } } }).template.spec.containers[0]!;
  container.args.push("--drain-timeout", `${DRAIN_TIMEOUT_MS}ms`);
  const labels = (deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
  return {
    yaml: objects.map((o) => stringify(o)).join("---\n"),
    namespace: proxy!.namespace,
    name: proxy!.name,
    selector: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(","),
  };
}

let courier: CourierNode | undefined;
let pki: Pki;
let lbAddress = "";
const proxy = proxyYaml(PRE_STOP_S);

const kubectl = (args: readonly string[]): Promise<string> => kubectlOk(courier!.server, args);

async function readyProxyPods(): Promise<PodJson[]> {
  return (await podsOf(courier!.server, proxy.namespace, proxy.selector)).filter((p) => isReady(p) && p.metadata.deletionTimestamp === undefined);
}

/** A metric of the pod's own, summed over its labels (its probe port's /metrics). */
async function podMetric(pod: PodJson, name: string): Promise<number> {
  const text = await (await fetch(`http://${pod.status.podIP}:9091/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const lines = text.split("\n").filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return lines.reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

/** Connects through the Service and reads the backend's greeting: one routed connection. */
async function greet(): Promise<string> {
  const session = await openTls(443, hostname, pki.ca, lbAddress, 5_000);
  try {
    return await Promise.race([session.firstLine, Bun.sleep(5_000).then(() => Promise.reject(new Error("no greeting within 5 s")))]);
  } finally {
    session.socket.destroy();
  }
}

interface RollOutcome {
  readonly watch: RollWatch;
  /** The pods the roll replaced and how many of the streams each held. */
  readonly oldPods: readonly { name: string; streams: number }[];
  /** What explains failures: the pods' history and the kubelet's probe, restart and hook lines during the roll. */
  readonly diagnosis: string;
  readonly attempts: number;
  readonly failures: readonly { at: number; error: string }[];
  readonly streams: readonly EchoStream[];
}

/**
 * Rolls the Deployment with `change` under steady connections and `streamCount` open
 * streams; returns once the rollout is complete and every old pod is gone.
 */
async function roll(change: () => Promise<unknown>, streamCount: number): Promise<RollOutcome> {
  const oldPods = await readyProxyPods();
  expect(oldPods).toHaveLength(2);
  const old = oldPods.map((p) => p.metadata.name);
  const streams = await Promise.all(Array.from({ length: streamCount }, () => openEchoStream(() => openTls(443, hostname, pki.ca, lbAddress, 5_000))));
  // Where the streams went: the Service spreads connections round robin.
  const held = await Promise.all(oldPods.map((pod) => podMetric(pod, METRIC.connectionsActive)));
  if (streamCount > 0) {
    console.log(`rolling restart: ${streamCount} streams open, held by the old pods: ${old.map((name, i) => `${name} ${held[i]}`).join(", ")}`);
    // Round robin: each old pod has streams to drain.
    expect(held.every((n) => n >= Math.floor(streamCount / 2))).toBe(true);
  }
  const watch = rollWatch(() => podsOf(courier!.server, proxy.namespace, proxy.selector), old);
  let done = false;
  const load = steadyConnections(greet, { everyMs: CONNECT_EVERY_MS, maxMs: 120_000, stop: () => done });
  const started = Date.now();
  const logFrom = courier!.node.logs().length;
  try {
    await change();
    await kubectl(["-n", proxy.namespace, "rollout", "status", `deployment/${proxy.name}`, "--timeout=100s"]);
    await watch.allGone(60_000);
    // A little more traffic once the last old pod is gone and the lag is over.
    await Bun.sleep(SERVICE_LAG_MS + 500);
  } finally {
    done = true;
    watch.stop();
    for (const s of streams) s.stop();
  }
  const result = await load;
  console.log(`rolling restart: roll done in ${seconds(Date.now() - started)}; ${result.attempts} connections, ${result.failures.length} failed; pods ${watch.describe()}`);
  const kubeletLines = courier!.node.logs().slice(logFrom).split("\n").filter((l) => /probe|restart|exited|preStop|stopped/.test(l));
  const diagnosis = `first failures ${JSON.stringify(result.failures.slice(0, 3))}; pods ${watch.describe()}; kubelet:\n${kubeletLines.join("\n")}`;
  const oldHeld = old.map((name, i) => ({ name, streams: held[i]! }));
  return { watch, oldPods: oldHeld, diagnosis, attempts: result.attempts, failures: result.failures, streams };
}

beforeAll(async () => {
  if (!enabled) return;
  const started = Date.now();
  courier = await startCourierNode("rolling-restart", { serviceProxyTries: 1, serviceProxyLagMs: SERVICE_LAG_MS });
  const dir = join(courier.server.dir, "rolling");
  mkdirSync(dir, { recursive: true });
  pki = createPki(join(dir, "pki"), "Rolling CA");
  await courier.server.cluster.apply(proxy.yaml);
  const cert = pki.issue("secure", [hostname]);
  await courier.server.cluster.apply(echoBackendYaml({ namespace: scenarioNamespace, service: backendRef.name, port: backendRef.port, cert: cert.cert, key: cert.key }));
  await kubectl(["apply", "-f", join(repo, "dist/basic.k8s.yaml")]);
  await eventually("2 Ready courier pods and a Ready backend", async () => {
    const backend = (await podsOf(courier!.server, scenarioNamespace, ECHO_BACKEND_SELECTOR)).filter(isReady);
    return (await readyProxyPods()).length === 2 && backend.length === 1 ? true : undefined;
  }, 180_000, 250);
  lbAddress = await eventually(
    "the proxy Service's LoadBalancer address",
    async () => (await kubectl(["get", "service", proxy.name, "-n", proxy.namespace, "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"])).trim() || undefined,
    30_000,
    250,
  );
  // Routed through both replicas before any roll: the Service has both endpoints (it acts SERVICE_LAG_MS late).
  await eventually(
    "connections through the Service reaching both courier pods",
    async () => {
      await greet();
      await greet();
      const accepted = await Promise.all((await readyProxyPods()).map((pod) => podMetric(pod, METRIC.connectionsAccepted)));
      return accepted.length === 2 && accepted.every((n) => n > 0) ? true : undefined;
    },
    60_000,
    250,
  );
  console.log(`rolling restart: cluster, node, two courier pods and the backend ready in ${seconds(Date.now() - started)}`);
}, 8 * 60_000);

afterAll(async () => {
  await courier?.stop();
}, 120_000);

describe.if(enabled)("a rolling restart of two Courier replicas", () => {
  test(`with the construct's preStop (${PRE_STOP_S} s): no new connection fails; open streams stay intact until the drain closes them`, async () => {
    const outcome = await roll(() => kubectl(["-n", proxy.namespace, "rollout", "restart", `deployment/${proxy.name}`]), 4);
    expect(outcome.attempts).toBeGreaterThan(500);
    // A pod restarted by its liveness probe during the roll (a node too loaded to start Courier in time) shows in the diagnosis.
    expect(outcome.failures, outcome.diagnosis).toEqual([]);
    // Each old pod waited out the preStop before SIGTERM started its drain: the streams
    // it held (round robin: half each) were closed by the drain timeout, not before.
    const deletions = outcome.watch.deletions();
    expect(deletions.map((d) => d.name).sort()).toEqual(outcome.oldPods.map((p) => p.name).sort());
    const closings = outcome.streams.map((s) => s.closedAt ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
    let next = 0;
    for (const deletion of deletions) {
      const held = outcome.oldPods.find((p) => p.name === deletion.name)!.streams;
      for (const closedAt of closings.slice(next, next + held)) {
        // Deletion -> preStop -> SIGTERM (/readyz fails, the drain starts) -> drain timeout.
        expect(closedAt - deletion.at, `${deletion.name}: ${outcome.diagnosis}`).toBeGreaterThanOrEqual(PRE_STOP_S * 1000 + DRAIN_TIMEOUT_MS);
      }
      next += held;
    }
    for (const stream of outcome.streams) {
      console.log(`rolling restart: ${stream.describe()}`);
      expect(stream.intact(), stream.describe()).toBe(true);
      // Both old pods are gone, so the drain closed every stream.
      expect(stream.closedAt, stream.describe()).toBeDefined();
    }
  }, 150_000);

  test("with preStopDelay 0 the same roll refuses new connections (SIGTERM closes the listeners before endpoints drop the pod)", async () => {
    // Replacing pods that still have the preStop: again nothing fails.
    const toNoPreStop = await roll(() => courier!.server.cluster.apply(proxyYaml(0).yaml), 0);
    expect(toNoPreStop.failures, toNoPreStop.diagnosis).toEqual([]);
    const template = JSON.parse(await kubectl(["get", "deployment", proxy.name, "-n", proxy.namespace, "-o", "jsonpath={.spec.template.spec.containers[0]}"])) as { lifecycle?: unknown };
    expect(template.lifecycle).toBeUndefined();
    // Replacing pods without it: each old pod refuses until the lagging endpoints drop it.
    const outcome = await roll(() => kubectl(["-n", proxy.namespace, "rollout", "restart", `deployment/${proxy.name}`]), 0);
    console.log(`rolling restart without preStop: failures ${JSON.stringify(outcome.failures.slice(0, 3))}`);
    expect(outcome.failures.length, outcome.diagnosis).toBeGreaterThanOrEqual(5);
  }, 240_000);
});
