// What the tests that run Courier as pods of the test kubelet share: reading the
// manifests they apply, a TLS echo backend pod from the Courier image, pod readiness.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { DEFAULT_COURIER_IMAGE } from "../../src/constants.ts";
import { type BuiltImage, buildCourierImage } from "./courierImage.ts";
import { type NodeOptions, type TestNode, startNode } from "./kubelet.ts";
import { type PrivateCluster, startPrivateCluster } from "./privateCluster.ts";

/** Pods under runc need root and runc; without them the test file says so and skips. */
export function podTestsEnabled(file: string): boolean {
  const enabled = process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v runc"]).status === 0;
  if (!enabled) console.log(`${file}: skipped (needs root and runc: sh scripts/ensure.sh runc)`);
  return enabled;
}

/** The uid and gid the image and its pods run as. */
export const NONROOT = 65532;

export interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

export const manifests = (file: string): Manifest[] => parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as Manifest);

export const only = <T extends { kind: string }>(docs: readonly T[], kind: string): T => {
  const found = docs.filter((d) => d.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!;
};

/** `k=v,...` of a Deployment's matchLabels, for `kubectl -l`. */
export const selectorOf = (deployment: Manifest): string =>
  Object.entries((deployment.spec.selector as { matchLabels: Record<string, string> }).matchLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/** The backend: a Bun TLS server that greets each client with its pod's name and echoes. */
const SERVER_TS = `import { readFileSync } from "node:fs";
import { createServer } from "node:tls";
const name = process.env.POD_NAME ?? "backend";
const server = createServer({ cert: readFileSync("/tls/tls.crt"), key: readFileSync("/tls/tls.key") }, (socket) => {
  socket.on("error", () => {});
  socket.write(\`hello from \${name}\\n\`);
  socket.on("data", (chunk) => socket.write(chunk));
  socket.on("end", () => socket.end());
});
server.listen(8443, "0.0.0.0", () => console.log("listening on :8443"));
// PID 1 of its namespace: without a handler SIGTERM would be ignored.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

const indent = (text: string, spaces: number): string =>
  text
    .trimEnd()
    .split("\n")
    .map((line) => " ".repeat(spaces) + line)
    .join("\n");

export interface EchoBackend {
  readonly namespace: string;
  /** The Service a route's backendRef names, and its port. */
  readonly service: string;
  readonly port: number;
  /** PEM certificate and key the backend serves. */
  readonly cert: string;
  readonly key: string;
}

/** The label of the backend's pods. */
export const ECHO_BACKEND_SELECTOR = "app.kubernetes.io/name=secure-backend";

/** Secret, ConfigMap, Deployment (one pod, the Courier image running a Bun TLS echo server) and Service of the backend. */
export function echoBackendYaml(b: EchoBackend): string {
  const ns = b.namespace;
  const labels = `{app.kubernetes.io/name: secure-backend}`;
  return `apiVersion: v1
kind: Secret
metadata: {name: secure-backend-tls, namespace: ${ns}}
type: kubernetes.io/tls
stringData:
  tls.crt: |
${indent(b.cert, 4)}
  tls.key: |
${indent(b.key, 4)}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: secure-backend-server, namespace: ${ns}}
data:
  server.ts: |
${indent(SERVER_TS, 4)}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: secure-backend, namespace: ${ns}}
spec:
  replicas: 1
  selector: {matchLabels: ${labels}}
  template:
    metadata: {labels: ${labels}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: server
        image: ${DEFAULT_COURIER_IMAGE}
        command: ["/usr/local/bin/bun", "/srv/server.ts"]
        env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
        ports: [{name: tls, containerPort: 8443}]
        readinessProbe: {tcpSocket: {port: tls}, periodSeconds: 1}
        resources: {limits: {memory: 256Mi}}
        securityContext:
          runAsNonRoot: true
          runAsUser: ${NONROOT}
          runAsGroup: ${NONROOT}
          readOnlyRootFilesystem: true
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
        volumeMounts:
        - {name: server, mountPath: /srv}
        - {name: tls, mountPath: /tls}
      volumes:
      - {name: server, configMap: {name: secure-backend-server}}
      - {name: tls, secret: {secretName: secure-backend-tls}}
---
apiVersion: v1
kind: Service
metadata: {name: ${b.service}, namespace: ${ns}}
spec:
  selector: ${labels}
  ports: [{name: tls, port: ${b.port}, targetPort: tls}]
`;
}

export interface PodJson {
  metadata: { name: string; deletionTimestamp?: string; deletionGracePeriodSeconds?: number };
  status: {
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { containerID?: string; restartCount: number; ready: boolean }[];
  };
}

export const isReady = (p: PodJson): boolean => (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Runs kubectl on the cluster; its stdout, or an error with its stderr. */
export async function kubectlOk(server: PrivateCluster, args: readonly string[]): Promise<string> {
  const result = await server.cluster.kubectl(args);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

export async function podsOf(server: PrivateCluster, namespace: string, selector: string): Promise<PodJson[]> {
  return (JSON.parse(await kubectlOk(server, ["get", "pods", "-n", namespace, "-l", selector, "-o", "json"])) as { items: PodJson[] }).items;
}

export interface CourierNode {
  readonly server: PrivateCluster;
  readonly node: TestNode;
  /** The image `npm run image` builds; pods of any tag of its repository run it. */
  readonly image: BuiltImage;
  /** Stops the node, then the cluster. */
  stop(): Promise<void>;
}

/** The Courier image, a private cluster and a node (controller-manager, kubelet with the service proxy) that runs it. */
export async function startCourierNode(prefix: string, options: Partial<NodeOptions> = {}): Promise<CourierNode> {
  const image = buildCourierImage();
  const server = await startPrivateCluster(prefix);
  const repository = DEFAULT_COURIER_IMAGE.slice(0, DEFAULT_COURIER_IMAGE.lastIndexOf(":"));
  try {
    const info = JSON.parse(readFileSync(join(server.dir, "cluster.json"), "utf8")) as { binary: string };
    const node = await startNode({
      ...options,
      clusterBinary: info.binary,
      clusterDir: server.dir,
      kubeconfig: server.cluster.kubeconfig,
      ociImages: { [repository]: image.archive },
      serviceProxy: true,
    });
    return {
      server,
      node,
      image,
      stop: async () => {
        await node.stop();
        await server.down();
      },
    };
  } catch (error) {
    await server.down();
    throw error;
  }
}
