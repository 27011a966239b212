// Real containers and Services in the test cluster: the test kubelet runs a Pod
// from an OCI image archive under runc (an image built here: one static Go HTTP
// server, see test/kubelet/hello/), honouring the pod spec (args over the image's
// Cmd, env with $(VAR), runAsUser/runAsGroup, read-only root, dropped
// capabilities, no privilege escalation, an emptyDir /tmp, the projected
// ServiceAccount token, limits, an HTTP readiness probe on a named port); the
// Deployment's Pod becomes Ready; a LoadBalancer Service gets an address from the
// kubelet's pool in status.loadBalancer.ingress; HTTP from the host to LB-IP:port
// and clusterIP:port, and from the Pod's own network namespace to clusterIP:port,
// reaches the Pod. A private cluster, so its controller-manager disturbs no other
// test file; stopping the node leaves no container, mount, namespace or address.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type TestNode, kubeletBinaries, startNode, writeHelloImage } from "../helpers/kubelet.ts";
import { type PrivateCluster, startPrivateCluster } from "../helpers/privateCluster.ts";
import { eventually } from "./controllerKit.ts";

const repo = resolve(import.meta.dir, "../..");
const ns = `pods-${process.pid}`;
const IMAGE = "example.test/courier/hello";
/** The same server mapped to a host binary: a process container, as the conformance echo backends run. */
const PROCESS_IMAGE = "example.test/courier/hello-process";
const isRoot = process.getuid?.() === 0;
const hasRunc = spawnSync("sh", ["-c", "command -v runc"]).status === 0;

let server: PrivateCluster | undefined;
let node: TestNode | undefined;
let imageDigest = "";
let appliedAt = 0;

interface PodJson {
  metadata: { name: string };
  status: {
    podIP: string;
    conditions?: { type: string; status: string }[];
    containerStatuses: { containerID: string; restartCount: number; started?: boolean; ready: boolean }[];
  };
}

interface ServiceJson {
  spec: { clusterIP: string };
  status?: { loadBalancer?: { ingress?: { ip: string; ipMode?: string }[] } };
}

interface Hello {
  uid: number;
  gid: number;
  groups: number[] | null;
  hostname: string;
  args: string[];
  greeting: string;
  kubernetesHost: string;
  rootWritable: boolean;
  tmpWritable: boolean;
  tokenMounted: boolean;
  tokenWritable: boolean;
  namespace: string;
  status: { CapEff: string; CapBnd: string; NoNewPrivs: string };
}

const manifests = (namespace: string): string => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello, namespace: ${namespace}}
spec:
  replicas: 1
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      terminationGracePeriodSeconds: 2
      securityContext: {runAsNonRoot: true}
      containers:
      - name: hello
        image: ${IMAGE}:1.0
        args: ["--listen=:8081"]
        env:
        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        - {name: GREETING, value: "hello from $(POD_NAME)"}
        ports: [{name: http, containerPort: 8081}]
        readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
        livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 2}
        resources: {limits: {memory: 64Mi, cpu: 500m}}
        securityContext:
          runAsUser: 65532
          runAsGroup: 65532
          readOnlyRootFilesystem: true
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
        volumeMounts: [{name: tmp, mountPath: /tmp}]
      volumes: [{name: tmp, emptyDir: {}}]
---
apiVersion: v1
kind: Pod
metadata: {name: hello-process, namespace: ${namespace}}
spec:
  containers:
  - name: hello
    image: ${PROCESS_IMAGE}:1.0
    args: ["--listen=:8082"]
    ports: [{containerPort: 8082}]
---
apiVersion: v1
kind: Pod
metadata: {name: hello-liveness, namespace: ${namespace}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: hello
    image: ${IMAGE}:1.0
    livenessProbe: {tcpSocket: {port: 9999}, periodSeconds: 1, failureThreshold: 2}
---
apiVersion: v1
kind: Service
metadata: {name: hello, namespace: ${namespace}}
spec:
  type: LoadBalancer
  selector: {app: hello}
  ports: [{name: web, port: 80, targetPort: http}]
`;

async function kubectlJson<T>(args: readonly string[]): Promise<T> {
  const result = await server!.cluster.kubectl([...args, "-o", "json"]);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

const isReady = (p: PodJson): boolean => (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

async function getHello(url: string): Promise<Hello> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as Hello;
}

const enabled = isRoot && hasRunc;
if (!enabled) console.log(`pods.test.ts: skipped (needs root and runc: sh scripts/ensure.sh runc)`);

beforeAll(async () => {
  if (!enabled) return;
  const started = Date.now();
  server = await startPrivateCluster("pods");
  const binaries = kubeletBinaries();
  imageDigest = writeHelloImage(binaries, join(server.dir, "hello.oci.tar")).digest;
  const info = JSON.parse(readFileSync(join(server.dir, "cluster.json"), "utf8")) as { binary: string };
  node = await startNode({
    clusterBinary: info.binary,
    clusterDir: server.dir,
    kubeconfig: server.cluster.kubeconfig,
    ociImages: { [IMAGE]: join(server.dir, "hello.oci.tar") },
    images: { [PROCESS_IMAGE]: binaries.hello },
    serviceProxy: true,
  });
  await server.cluster.createNamespaces(ns);
  // The ServiceAccount admission plugin refuses Pods until the controller-manager made "default".
  await eventually("the default ServiceAccount", async () => ((await server!.cluster.kubectl(["get", "serviceaccount", "default", "-n", ns])).code === 0 ? true : undefined), 60_000, 200);
  console.log(`pods: cluster, controller-manager and kubelet up in ${Date.now() - started} ms`);
  appliedAt = Date.now();
  await server.cluster.apply(manifests(ns));
}, 10 * 60_000);

afterAll(async () => {
  await node?.stop();
  await server?.down();
}, 120_000);

describe.if(enabled)("Pods under runc and Services", () => {
  let pod: PodJson;
  let lbIP = "";
  let clusterIP = "";

  test("the Deployment's Pod runs from the OCI image and becomes Ready through its readiness probe", async () => {
    pod = await eventually(
      "a Ready hello Pod",
      async () => {
        const list = await kubectlJson<{ items: PodJson[] }>(["get", "pods", "-n", ns, "-l", "app=hello"]);
        return list.items.find(isReady);
      },
      120_000,
      200,
    );
    console.log(`pods: kubectl apply -> Pod Ready in ${Date.now() - appliedAt} ms`);
    const status = pod.status.containerStatuses[0]!;
    expect(status.containerID).toStartWith(`runc://ck-${node!.kubeletPid}-`);
    expect(status.restartCount).toBe(0);
    expect(status.started).toBe(true);
    expect(pod.status.podIP).toMatch(/^198\.1[89]\.\d+\.\d+$/);
    expect(node!.logs()).toContain(`(image ${imageDigest}, uid 65532)`);
  }, 180_000);

  test("a LoadBalancer Service gets an address from the pool, and the host reaches the Pod at LB-IP:port and clusterIP:port", async () => {
    const service = await eventually(
      "status.loadBalancer.ingress",
      async () => {
        const svc = await kubectlJson<ServiceJson>(["get", "service", "hello", "-n", ns]);
        return svc.status?.loadBalancer?.ingress?.[0]?.ip === undefined ? undefined : svc;
      },
      30_000,
      200,
    );
    const ingress = service.status!.loadBalancer!.ingress![0]!;
    lbIP = ingress.ip;
    clusterIP = service.spec.clusterIP;
    const prefix = pod.status.podIP.split(".").slice(0, 3).join(".");
    expect(lbIP.startsWith(`${prefix}.`)).toBe(true);
    expect(Number(lbIP.split(".")[3])).toBeGreaterThanOrEqual(200);
    expect(ingress.ipMode).toBe("VIP");

    // The EndpointSlice controller makes the ready Pod an endpoint (targetPort "http" -> 8081).
    const viaLB = await eventually(`http://${lbIP}:80/`, () => getHello(`http://${lbIP}:80/`), 30_000, 200);
    console.log(`pods: kubectl apply -> first HTTP response through the LoadBalancer address in ${Date.now() - appliedAt} ms`);
    const viaClusterIP = await getHello(`http://${clusterIP}:80/`);
    for (const hello of [viaLB, viaClusterIP]) {
      expect(hello.hostname).toBe(pod.metadata.name);
    }

    const hello = viaLB;
    expect(hello.uid).toBe(65532);
    expect(hello.gid).toBe(65532);
    expect(hello.args).toEqual(["--listen=:8081"]); // args replace the image's Cmd, Entrypoint stays
    expect(hello.greeting).toBe(`hello from ${pod.metadata.name}`);
    expect(hello.kubernetesHost).toMatch(/^10\.96\./);
    expect(hello.rootWritable).toBe(false);
    expect(hello.tmpWritable).toBe(true);
    expect(hello.tokenMounted).toBe(true);
    expect(hello.tokenWritable).toBe(false);
    expect(hello.namespace).toBe(ns);
    expect(hello.status.CapEff).toBe("0000000000000000");
    expect(hello.status.CapBnd).toBe("0000000000000000");
    expect(hello.status.NoNewPrivs).toBe("1");
  }, 120_000);

  test("from the Pod's own network namespace the Service's clusterIP:port is reachable", async () => {
    const octet = pod.status.podIP.split(".")[3];
    const netns = `ck-${node!.kubeletPid}-${octet}`;
    const bun = join(repo, "node_modules/.bin/bun");
    const script = `const r = await fetch("http://${clusterIP}:80/healthz"); console.log(r.status, (await r.text()).trim());`;
    const run = spawnSync("ip", ["netns", "exec", netns, bun, "-e", script], { encoding: "utf8", timeout: 20_000 });
    expect(run.stdout.trim()).toBe("200 ok");
  }, 30_000);

  test("an image mapped to a host binary still runs as a process in its Pod's network namespace", async () => {
    const processPod = await eventually(
      "the hello-process Pod Ready",
      async () => {
        const p = await kubectlJson<PodJson>(["get", "pod", "hello-process", "-n", ns]);
        return isReady(p) ? p : undefined;
      },
      60_000,
      200,
    );
    expect(processPod.status.containerStatuses[0]!.containerID).toStartWith("process://");
    const hello = await getHello(`http://${processPod.status.podIP}:8082/`);
    expect(hello.args).toEqual(["--listen=:8082"]);
    expect(hello.hostname).not.toBe("hello-process"); // no UTS namespace: the host's name
  }, 90_000);

  test("a failing liveness probe restarts the container: a new runc container, the old one deleted", async () => {
    const restarted = await eventually(
      "hello-liveness restarted twice",
      async () => {
        const p = await kubectlJson<PodJson & { status: { containerStatuses: { lastState?: { terminated?: { exitCode: number } } }[] } }>(["get", "pod", "hello-liveness", "-n", ns]);
        const status = p.status.containerStatuses?.[0];
        return status !== undefined && status.restartCount >= 2 && status.containerID !== undefined ? p : undefined;
      },
      60_000,
      200,
    );
    const status = restarted.status.containerStatuses[0]!;
    // SIGTERM ends the Go server; as a pid namespace's first process it cannot die of
    // the re-raised signal, so the Go runtime exits with 2 (as it does under any runtime).
    expect(status.lastState?.terminated?.exitCode).toBe(2);
    const listed = spawnSync("runc", ["--root", node!.runcRoot, "list", "-q"], { encoding: "utf8" }).stdout.split("\n").filter((id) => id.includes("-hello-"));
    const ofThisPod = listed.filter((id) => !pod.status.containerStatuses[0]!.containerID.endsWith(id));
    expect(ofThisPod.length).toBeLessThanOrEqual(1); // only the current instance, if running now
  }, 90_000);

  test("the container's memory and CPU limits are its cgroup's", () => {
    const id = pod.status.containerStatuses[0]!.containerID.replace("runc://", "");
    expect(readFileSync(`/sys/fs/cgroup/memory/${id}/memory.limit_in_bytes`, "utf8").trim()).toBe(String(64 * 1024 * 1024));
    expect(readFileSync(`/sys/fs/cgroup/cpu/${id}/cpu.cfs_quota_us`, "utf8").trim()).toBe("50000");
  });

  test("stopping the node removes its containers, mounts, namespaces, bridge and service addresses", async () => {
    const pid = node!.kubeletPid;
    await node!.stop();
    node = undefined;
    expect(existsSync(`/run/courier-kubelet/${pid}`)).toBe(false);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(`/oci/ck-${pid}-`);
    expect(spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout).not.toContain(`ck-${pid}-`);
    const addresses = spawnSync("ip", ["-o", "addr"], { encoding: "utf8" }).stdout;
    expect(addresses).not.toContain(`ckb${pid}`);
    expect(addresses).not.toContain(` ${lbIP}/`);
    expect(addresses).not.toContain(` ${clusterIP}/`);
    expect(spawnSync("ip", ["route", "show", "type", "unreachable"], { encoding: "utf8" }).stdout).not.toContain(`metric ${pid}`);
  }, 60_000);
});
