// Courier deployed the way a user deploys it, then the seed's walkthrough against it:
// the image `npm run image` builds, `kubectl apply -f dist/courier-proxy.k8s.yaml`
// exactly as committed (Namespace, GatewayClass, RBAC, the Deployment's two replicas
// with their probes and securityContext, the LoadBalancer Service, the PDB), the pods
// run under runc by the test kubelet and find the API server through in-cluster config
// (KUBERNETES_SERVICE_HOST=10.96.0.1, the ServiceAccount token and CA). Then
// `kubectl apply -f dist/basic.k8s.yaml` and a real TLS backend pod (the same image,
// a tiny Bun TLS server from a ConfigMap, its certificate from a Secret signed by a CA
// made here): `kubectl get gateway` shows the proxy Service's LoadBalancer address and
// `openssl s_client -connect ADDRESS:443 -servername secure.example.com` verifies the
// backend's certificate through Courier-in-a-pod. A private cluster: dist/'s
// cluster-scoped names (GatewayClass and ClusterRole "courier") and courier-system
// collide with no other test, and stopping it removes everything.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createPki, type Pki } from "../../demo/pki.ts";
import type { BuiltImage } from "../helpers/courierImage.ts";
import {
  type CourierNode,
  ECHO_BACKEND_SELECTOR,
  echoBackendYaml,
  isReady,
  kubectlOk,
  manifests,
  NONROOT,
  only,
  type PodJson,
  podsOf,
  podTestsEnabled,
  seconds,
  selectorOf,
  startCourierNode,
} from "../helpers/courierPods.ts";
import type { TestNode } from "../helpers/kubelet.ts";
import { sClient } from "../helpers/opensslClient.ts";
import type { PrivateCluster } from "../helpers/privateCluster.ts";
import { eventually, ROUTE_OK, summary, waitObjectCondition, waitRouteConditions } from "./controllerKit.ts";

const repo = resolve(import.meta.dir, "../..");
const PROXY_MANIFEST = join(repo, "dist/courier-proxy.k8s.yaml");
const SCENARIO_MANIFEST = join(repo, "dist/basic.k8s.yaml");
const enabled = podTestsEnabled("courierPod.test.ts");

// What the test reads from dist/ rather than assumes (another chart may rename them).
const proxyDocs = manifests(PROXY_MANIFEST);
const proxyDeployment = only(proxyDocs, "Deployment");
const proxyService = only(proxyDocs, "Service");
const proxyNamespace = proxyDeployment.metadata.namespace!;
const proxySelector = selectorOf(proxyDeployment);
const scenarioDocs = manifests(SCENARIO_MANIFEST);
const gateway = only(scenarioDocs, "Gateway");
const route = only(scenarioDocs, "TLSRoute");
const scenarioNamespace = route.metadata.namespace ?? "default";
const hostname = (route.spec.hostnames as string[])[0]!;
const backendRef = (route.spec.rules as { backendRefs: { name: string; port: number }[] }[])[0]!.backendRefs[0]!;

const backendYaml = (cert: string, key: string): string => echoBackendYaml({ namespace: scenarioNamespace, service: backendRef.name, port: backendRef.port, cert, key });

let courier: CourierNode | undefined;
let server: PrivateCluster;
let node: TestNode;
let image: BuiltImage;
let pki: Pki;
let proxyPods: PodJson[] = [];
let lbAddress = "";

const kubectl = (args: readonly string[]): Promise<string> => kubectlOk(server, args);
const readyPods = async (namespace: string, selector: string): Promise<PodJson[]> => (await podsOf(server, namespace, selector)).filter(isReady);

/** The container's first process as the runtime sees it: runc's state in the kubelet's runc root. */
function containerPid(pod: PodJson): number {
  const id = pod.status.containerStatuses![0]!.containerID!.replace("runc://", "");
  const state = spawnSync("runc", ["--root", node.runcRoot, "state", id], { encoding: "utf8" });
  if (state.status !== 0) throw new Error(`runc state ${id}: ${state.stderr}`);
  return (JSON.parse(state.stdout) as { pid: number }).pid;
}

beforeAll(async () => {
  if (!enabled) return;
  const started = Date.now();
  courier = await startCourierNode("courier-pod");
  ({ server, node, image } = courier);
  console.log(`courier pod: image ${image.summary.name} ${image.summary.manifestDigest} (${(image.summary.uncompressedBytes / 1e6).toFixed(1)} MB uncompressed)`);
  const dir = join(server.dir, "walkthrough");
  mkdirSync(dir, { recursive: true });
  pki = createPki(join(dir, "pki"), "Walkthrough CA");
  console.log(`courier pod: image, cluster, controller-manager and kubelet up in ${seconds(Date.now() - started)}`);
}, 10 * 60_000);

afterAll(async () => {
  await courier?.stop();
}, 120_000);

describe.if(enabled)("Courier in a pod: dist/ applied with kubectl, the seed's walkthrough through it", () => {
  test("kubectl apply -f dist/courier-proxy.k8s.yaml: the Deployment's pods run from the local image and become Ready", async () => {
    const applied = Date.now();
    const out = await kubectl(["apply", "-f", PROXY_MANIFEST]);
    expect(out).toContain(`deployment.apps/${proxyDeployment.metadata.name} created`);
    const replicas = proxyDeployment.spec.replicas as number;
    let firstReady = 0;
    proxyPods = await eventually(
      `${replicas} Ready courier pods`,
      async () => {
        const ready = await readyPods(proxyNamespace, proxySelector);
        if (ready.length > 0 && firstReady === 0) firstReady = Date.now();
        return ready.length === replicas ? ready : undefined;
      },
      180_000,
      200,
    );
    console.log(`courier pod: kubectl apply -f dist/courier-proxy.k8s.yaml -> first pod Ready in ${seconds(firstReady - applied)}, all ${replicas} in ${seconds(Date.now() - applied)}`);
    for (const pod of proxyPods) {
      const status = pod.status.containerStatuses![0]!;
      expect(status.containerID).toStartWith(`runc://ck-${node.kubeletPid}-`);
      // On a restart, what the kubelet saw (probe failures, exit codes) explains it.
      expect(status.restartCount, node.logs().split("\n").filter((l) => /probe|restart|exit|kill/i.test(l)).slice(-20).join("\n")).toBe(0);
    }
    expect(node.logs()).toContain(`(image ${image.summary.manifestDigest}, uid ${NONROOT})`);
    // What docs/walkthrough.md tells a user to run.
    expect(await kubectl(["-n", proxyNamespace, "rollout", "status", `deployment/${proxyDeployment.metadata.name}`, "--timeout=60s"])).toContain("successfully rolled out");
    const deployment = JSON.parse(await kubectl(["get", "deployment", proxyDeployment.metadata.name, "-n", proxyNamespace, "-o", "json"])) as { status: { availableReplicas?: number } };
    expect(deployment.status.availableReplicas).toBe(replicas);
  }, 240_000);

  test("the proxy runs as uid/gid 65532 with no capabilities on a read-only root, configured in-cluster through 10.96.0.1", () => {
    for (const pod of proxyPods) {
      const pid = containerPid(pod);
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      expect(status).toMatch(new RegExp(`^Uid:\\s+${NONROOT}\\s+${NONROOT}\\s+${NONROOT}\\s+${NONROOT}$`, "m"));
      expect(status).toMatch(new RegExp(`^Gid:\\s+${NONROOT}\\s+${NONROOT}\\s+${NONROOT}\\s+${NONROOT}$`, "m"));
      expect(status).toMatch(/^CapEff:\s+0+$/m);
      expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
      // The container's root mount, as its own mount namespace shows it.
      const rootMount = readFileSync(`/proc/${pid}/mountinfo`, "utf8")
        .split("\n")
        .find((line) => line.split(" ")[4] === "/");
      expect(rootMount?.split(" ")[5]?.split(",")).toContain("ro");
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
      expect(argv).toContain("serve");
      const after = (flag: string): string | undefined => argv[argv.indexOf(flag) + 1];
      expect(after("--address-service")).toBe(`${proxyNamespace}/${proxyService.metadata.name}`);
      // The admin page on the pod's loopback; kubelet and Prometheus on the probe port.
      expect(after("--admin")).toBe("127.0.0.1:9090");
      expect(after("--probe-address")).toBe("0.0.0.0:9091");
      const env = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      expect(env).toContain("KUBERNETES_SERVICE_HOST=10.96.0.1");
      expect(env).toContain(`POD_NAME=${pod.metadata.name}`);
    }
  });

  test("the proxy Service gets a LoadBalancer address; the status writer is a courier pod", async () => {
    lbAddress = await eventually(
      "status.loadBalancer.ingress of the proxy Service",
      async () => (await kubectl(["get", "service", proxyService.metadata.name, "-n", proxyNamespace, "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"])).trim() || undefined,
      30_000,
      200,
    );
    expect(lbAddress).toMatch(/^198\.1[89]\.\d+\.\d+$/);
    // Leader election (the Lease) went through the API server from inside a pod.
    const holder = await eventually(
      "a holder of the status writer's Lease",
      async () => (await kubectl(["get", "lease", "courier-status-writer", "-n", proxyNamespace, "-o", "jsonpath={.spec.holderIdentity}"])).trim() || undefined,
      60_000,
      200,
    );
    expect(proxyPods.map((p) => p.metadata.name)).toContain(holder.replace(/-\d+$/, ""));
  }, 90_000);

  test("a TLS backend pod from the same image behind the route's Service", async () => {
    const applied = Date.now();
    const cert = pki.issue("secure", [hostname]);
    await server.cluster.apply(backendYaml(cert.cert, cert.key));
    const [pod] = await eventually("a Ready backend pod", async () => {
      const ready = await readyPods(scenarioNamespace, ECHO_BACKEND_SELECTOR);
      return ready.length === 1 ? ready : undefined;
    }, 120_000, 200);
    console.log(`courier pod: backend pod Ready in ${seconds(Date.now() - applied)}`);
    expect(pod!.status.containerStatuses![0]!.containerID).toStartWith("runc://");
    // The EndpointSlice controller publishes it: the proxy routes to what it lists.
    await eventually("the backend's EndpointSlice", async () => {
      const slices = await kubectl(["get", "endpointslices", "-n", scenarioNamespace, "-l", `kubernetes.io/service-name=${backendRef.name}`, "-o", "jsonpath={.items[*].endpoints[*].addresses[0]}"]);
      return slices.includes(pod!.status.podIP!) ? true : undefined;
    }, 30_000, 200);
  }, 150_000);

  test("kubectl apply -f dist/basic.k8s.yaml: openssl s_client to the Gateway's ADDRESS:443 verifies the backend's certificate", async () => {
    const applied = Date.now();
    const out = await kubectl(["apply", "-f", SCENARIO_MANIFEST]);
    expect(out).toContain(`gateway.gateway.networking.k8s.io/${gateway.metadata.name} created`);
    let attempts = 0;
    const result = await eventually(
      "a connection routed through the Gateway's address",
      async () => {
        const address = (await kubectl(["get", "gateway", gateway.metadata.name, "-n", scenarioNamespace, "-o", "jsonpath={.status.addresses[0].value}"])).trim();
        if (address === "") return undefined;
        attempts += 1;
        const run = await sClient(["-connect", `${address}:443`, "-servername", hostname, "-CAfile", pki.caFile, "-verify_return_error"], /hello from \S+/, 3_000);
        return /hello from \S+/.test(run.output) ? { address, output: run.output } : undefined;
      },
      120_000,
      100,
    );
    const took = Date.now() - applied;
    console.log(`courier pod: kubectl apply -f dist/basic.k8s.yaml -> first connection routed through Courier-in-a-pod in ${seconds(took)} (${attempts} openssl attempts)`);
    const routed = result.output;
    const shown = routed.split("\n").filter((line) => /^(subject|issuer)=|Verification|^hello from/.test(line.trim()));
    console.log(`courier pod: openssl s_client -connect ${result.address}:443 -servername ${hostname} -CAfile ca.pem -verify_return_error\n  ${shown.map((l) => l.trim()).join("\n  ")}`);
    expect(result.address).toBe(lbAddress);
    expect(routed).toContain("Verification: OK");
    expect(routed).toMatch(new RegExp(`subject=\\s*CN\\s*=\\s*${hostname.replaceAll(".", "\\.")}`));
    expect(routed).toMatch(/issuer=\s*CN\s*=\s*Walkthrough CA/);
    expect(routed).toMatch(/hello from secure-backend-/);
  }, 180_000);

  test("kubectl get gateway shows the ADDRESS and PROGRAMMED True; the route is Accepted with its refs resolved", async () => {
    const gw = await waitObjectCondition(server.cluster, "gateways.gateway.networking.k8s.io", scenarioNamespace, gateway.metadata.name, "Programmed", "True/Programmed");
    expect(summary(gw.status?.conditions).Accepted).toBe("True/Accepted");
    const table = (await kubectl(["get", "gateway", gateway.metadata.name, "-n", scenarioNamespace])).trim().split("\n");
    console.log(`courier pod: kubectl get gateway ${gateway.metadata.name}\n${table.join("\n")}`);
    const header = table[0]!.split(/\s+/);
    const row = table[1]!.split(/\s+/);
    expect(row[header.indexOf("ADDRESS")]).toBe(lbAddress);
    expect(row[header.indexOf("PROGRAMMED")]).toBe("True");
    await waitRouteConditions(server.cluster, scenarioNamespace, route.metadata.name, ROUTE_OK);
    // The lines docs/walkthrough.md shows.
    const conditions = await kubectl(["get", "tlsroute", route.metadata.name, "-n", scenarioNamespace, "-o", `jsonpath={range .status.parents[*].conditions[*]}{.type}={.status} {.reason}{"\\n"}{end}`]);
    expect(conditions.trim().split("\n")).toEqual(["Accepted=True Accepted", "ResolvedRefs=True ResolvedRefs"]);
    const classes = (await kubectl(["get", "gatewayclass", gateway.spec.gatewayClassName as string])).trim().split("\n");
    expect(classes[1]!.split(/\s+/)[classes[0]!.split(/\s+/).indexOf("ACCEPTED")]).toBe("True");
  }, 60_000);

  test("the connection went through a courier pod: its own counters show it", async () => {
    let routedTotal = 0;
    for (const pod of proxyPods) {
      const metrics = await (await fetch(`http://${pod.status.podIP}:9091/metrics`, { signal: AbortSignal.timeout(3_000) })).text();
      for (const line of metrics.split("\n")) {
        if (line.startsWith("courier_connections_routed_total")) routedTotal += Number(line.split(" ").pop());
      }
    }
    expect(routedTotal).toBeGreaterThanOrEqual(1);
    // The admin page (endpoint addresses, clients) is not on the pod's address.
    const pod = proxyPods[0]!;
    const page = await fetch(`http://${pod.status.podIP}:9090/`, { signal: AbortSignal.timeout(3_000) }).then((r) => r.status, (error: Error) => error.name);
    expect(page).not.toBe(200);
  }, 30_000);
});
