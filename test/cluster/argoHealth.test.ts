// What Argo CD shows for Courier, judged by Argo CD's own code (test/argocd/: the
// argo-cd and gitops-engine modules at ARGOCD_VERSION of scripts/versions.env, the
// resource_customizations Lua scripts run by Argo CD's util/lua under gopher-lua,
// gitops-engine's built-in Go checks, and gitops-engine's sync engine stepped as the
// application controller steps it). Courier runs as the real pods of dist/'s
// Deployment, under runc on the test kubelet, from the image `npm run image` builds.
//
// - The wave layout before the fix (GatewayClass in wave -1) stalls a first install:
//   the class waits for Accepted=True, which only the proxy of wave 0 can set.
// - A first install of the files deploy/argocd/apps/courier.yaml selects from dist/, as
//   that one Application (server-side apply), finishes, and every object ends Healthy.
// - Gateways are Healthy only with Programmed=True: one whose listener the proxy cannot
//   bind stays Progressing.
// - A TLSRoute whose backend Service is missing ends Degraded.
// A private cluster: dist/ has fixed cluster-scoped names (GatewayClass, ClusterRole)
// and its own namespaces; stopping it removes everything, so the file can run again.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { type ArgoJudgement, argocdBinary, argoHealth, argoSync } from "../helpers/argocd.ts";
import { buildCourierImage } from "../helpers/courierImage.ts";
import { type TestNode, startNode } from "../helpers/kubelet.ts";
import { type PrivateCluster, startPrivateCluster } from "../helpers/privateCluster.ts";
import { eventually, summary, tlsRouteYaml } from "./controllerKit.ts";

const repo = resolve(import.meta.dir, "../..");

/** A directory source's include/exclude glob (`*`, `?`, `{a,b}`) as a RegExp for file names. */
const globRegExp = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^$()|[\]\\]/g, "\\$&")
      .replace(/\{([^}]*)\}/g, (_, alternatives: string) => `(${alternatives.split(",").join("|")})`)
      .replace(/\*/g, "[^/]*")
      .replace(/\?/g, "[^/]")}$`,
  );

// The files of the Application that installs Courier (deploy/argocd/apps/courier.yaml):
// its source path and directory include/exclude, as Argo CD's directory source reads them.
const application = parseAllDocuments(readFileSync(join(repo, "deploy/argocd/apps/courier.yaml"), "utf8"))[0]!.toJS() as {
  spec: { source: { path: string; directory?: { include?: string; exclude?: string } } };
};
const { path: sourcePath, directory } = application.spec.source;
const included = (f: string): boolean =>
  /\.(ya?ml|json)$/.test(f) && (directory?.include === undefined || globRegExp(directory.include).test(f)) && (directory?.exclude === undefined || !globRegExp(directory.exclude).test(f));
// Read once when the file loads: the tests apply this copy (written to the cluster's
// directory in beforeAll), so a re-synth of dist/ during the run changes nothing.
const distTexts = new Map(
  readdirSync(join(repo, sourcePath))
    .filter(included)
    .sort()
    .map((f) => [f, readFileSync(join(repo, sourcePath, f), "utf8")] as const),
);
let distFiles: string[] = [];
const isRoot = process.getuid?.() === 0;
const hasRunc = spawnSync("sh", ["-c", "command -v runc"]).status === 0;
const enabled = isRoot && hasRunc;
if (!enabled) console.log("argoHealth.test.ts: skipped (needs root and runc: sh scripts/ensure.sh runc)");

const SYNC_WAVE = "argocd.argoproj.io/sync-wave";

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

interface Listener {
  name: string;
  port: number;
  hostname?: string;
  allowedRoutes?: { namespaces?: { from?: string } };
}

interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port: number;
}

const docsOf = (text: string): Doc[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null && typeof d === "object" && typeof d.kind === "string");

// Everything the test needs to know about dist/ is read from it (charts get renamed).
const distDocs = [...distTexts.values()].flatMap(docsOf);
const ofKind = (kind: string): Doc[] => distDocs.filter((d) => d.kind === kind);
const deployment = ofKind("Deployment")[0]!;
interface Container {
  image: string;
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { port: number | string } };
}
const container = (deployment.spec.template as { spec: { containers: Container[] } }).spec.containers[0]!;
const imageRepository = container.image.slice(0, container.image.lastIndexOf(":"));
/** A port every proxy pod listens on for itself, on all addresses: its liveness probe's (the kubelet dials the pod's IP). */
const probePort = ((port) => (typeof port === "string" ? container.ports?.find((p) => p.name === port)?.containerPort : port))(container.livenessProbe?.httpGet?.port);
const gatewayClass = ofKind("GatewayClass")[0]!;
const gateways = ofKind("Gateway");
const routes = ofKind("TLSRoute");
const waveOf = (d: Doc): number => Number(d.metadata.annotations?.[SYNC_WAVE] ?? "0");

/** The Services and ServiceImports dist/'s routes send to: the applications behind Courier, already running. */
function backendsYaml(): { namespaces: string[]; yaml: string } {
  const namespaces = new Set<string>();
  const objects = new Map<string, string>();
  for (const route of routes) {
    const routeNamespace = route.metadata.namespace ?? "default";
    for (const rule of route.spec.rules as { backendRefs?: BackendRef[] }[]) {
      for (const ref of rule.backendRefs ?? []) {
        const namespace = ref.namespace ?? routeNamespace;
        namespaces.add(namespace);
        const isImport = ref.kind === "ServiceImport";
        const key = `${isImport ? "ServiceImport" : "Service"}/${namespace}/${ref.name}`;
        const ports = `[{name: tls-${ref.port}, port: ${ref.port}, protocol: TCP}]`;
        objects.set(
          key,
          isImport
            ? `apiVersion: multicluster.x-k8s.io/v1alpha1\nkind: ServiceImport\nmetadata: {name: ${ref.name}, namespace: ${namespace}}\nspec: {type: ClusterSetIP, ports: ${ports}}\n`
            : `apiVersion: v1\nkind: Service\nmetadata: {name: ${ref.name}, namespace: ${namespace}}\nspec: {ports: ${ports}}\n`,
        );
      }
    }
  }
  return { namespaces: [...namespaces].filter((n) => n !== "default"), yaml: [...objects.values()].join("---\n") };
}

let server: PrivateCluster | undefined;
let node: TestNode | undefined;
let argocd = "";
let work = "";

async function kubectl(args: readonly string[], stdin?: string): Promise<string> {
  const result = await server!.cluster.kubectl(args, stdin === undefined ? {} : { stdin });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

const seconds = (ms: number | null | undefined): string => (ms === null || ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`);
const where = (j: { namespace?: string; name: string }): string => (j.namespace === undefined || j.namespace === "" ? j.name : `${j.namespace}/${j.name}`);
const line = (j: ArgoJudgement): string => `${j.kind.padEnd(20)} ${where(j).padEnd(40)} ${(j.status || "(none)").padEnd(12)} ${j.mechanism.padEnd(5)} ${j.message ?? ""}`;

beforeAll(async () => {
  if (!enabled) return;
  const started = Date.now();
  argocd = argocdBinary();
  const image = buildCourierImage();
  server = await startPrivateCluster("argo-health");
  work = join(server.dir, "argo-health");
  mkdirSync(join(work, "dist"), { recursive: true });
  distFiles = [...distTexts].map(([name, text]) => {
    writeFileSync(join(work, "dist", name), text);
    return join(work, "dist", name);
  });
  const info = JSON.parse(readFileSync(join(server.dir, "cluster.json"), "utf8")) as { binary: string };
  node = await startNode({
    clusterBinary: info.binary,
    clusterDir: server.dir,
    kubeconfig: server.cluster.kubeconfig,
    ociImages: { [imageRepository]: image.archive },
    serviceProxy: true,
  });
  const backends = backendsYaml();
  if (backends.namespaces.length > 0) await server.cluster.createNamespaces(...backends.namespaces);
  await server.cluster.apply(backends.yaml);
  console.log(`argo health: courier-argocd, image, cluster, node and backends ready in ${seconds(Date.now() - started)}`);
}, 30 * 60_000);

afterAll(async () => {
  await node?.stop();
  await server?.down();
}, 120_000);

describe.if(enabled)("Argo CD's own health checks on a wave-ordered first install of dist/", () => {
  test("dist/ orders the proxy's Deployment no later than the GatewayClass, and the GatewayClass no later than the Gateways", () => {
    expect(waveOf(gatewayClass)).toBeGreaterThanOrEqual(waveOf(deployment));
    for (const gateway of gateways) expect(waveOf(gateway)).toBeGreaterThanOrEqual(waveOf(gatewayClass));
  });

  test("with the GatewayClass in wave -1 (the layout before the fix), a first install stalls on the class for good", async () => {
    // dist/ as it was: the same files with the class one wave ahead of everything else.
    const oldLayout = join(work, "old-layout");
    mkdirSync(oldLayout, { recursive: true });
    const files = [...distTexts].map(([name, text]) => {
      const docs = parseAllDocuments(text);
      for (const doc of docs) {
        if ((doc.toJS() as Doc | null)?.kind === "GatewayClass") doc.setIn(["metadata", "annotations", SYNC_WAVE], "-1");
      }
      const out = join(oldLayout, name);
      writeFileSync(out, docs.map((d) => String(d)).join("---\n"));
      return out;
    });
    const { code, result, stderr } = await argoSync(argocd, server!.cluster.kubeconfig, files, { timeoutMs: 30_000 });
    console.log(`argo health: old layout: ${result.phase} after ${seconds(result.elapsedMs)} (${result.steps} steps): ${result.message}\n${stderr.trimEnd()}`);
    expect(code).toBe(3);
    expect(result.stalled).toBe(true);
    expect(result.phase).toBe("Running");
    expect(result.message).toBe(`waiting for healthy state of gateway.networking.k8s.io/GatewayClass/${gatewayClass.metadata.name}`);
    expect(result.waiting?.map((j) => [j.kind, j.name, j.status, j.mechanism])).toEqual([["GatewayClass", gatewayClass.metadata.name, "Progressing", "lua"]]);
    // Nothing of wave 0 was applied: no proxy will ever accept the class.
    const proxy = result.resources.find((r) => r.kind === "Deployment")!;
    expect([proxy.status, proxy.syncStatus]).toEqual(["Missing", ""]);
    expect(result.waves.find((w) => w.wave === 0)?.appliedAtMs).toBeNull();
    // Back to an empty cluster for the first install below.
    await kubectl(["delete", "gatewayclass", gatewayClass.metadata.name, "--wait=true"]);
  }, 120_000);

  test("a first install of dist/ as Courier's Application finishes, and every object ends Healthy", async () => {
    const { code, result, stderr } = await argoSync(argocd, server!.cluster.kubeconfig, distFiles, { timeoutMs: 240_000 });
    const waves = result.waves.map((w) => `wave ${w.wave}: ${w.objects} objects, applied at ${seconds(w.appliedAtMs)}, done at ${seconds(w.doneAtMs)}`).join("; ");
    console.log(`argo health: first install: ${result.phase} after ${seconds(result.elapsedMs)} (${result.steps} steps): ${result.message}; ${waves}\n${stderr.trimEnd()}`);
    expect(result.waiting ?? []).toEqual([]);
    expect([code, result.phase, result.stalled]).toEqual([0, "Succeeded", false]);
    expect(result.resources.filter((r) => r.syncStatus !== "Synced").map((r) => `${r.kind} ${where(r)}: ${r.syncStatus} ${r.syncMessage ?? ""}`)).toEqual([]);

    const healthStarted = Date.now();
    const health = await argoHealth(argocd, server!.cluster.kubeconfig, distFiles, { waitFor: "Healthy", timeoutMs: 240_000 });
    console.log(`argo health: every object of dist/ after the sync (${seconds(Date.now() - healthStarted)} more; Argo CD ${health.result.versions.argoCD}):\n${health.result.objects.map(line).join("\n")}`);
    expect(health.stderr).toBe("");
    expect(health.code).toBe(0);
    for (const j of health.result.objects) {
      const expected = j.mechanism === "none" ? "" : "Healthy";
      expect(`${j.kind} ${where(j)}: ${j.status}`).toBe(`${j.kind} ${where(j)}: ${expected}`);
    }
    // Which part of Argo CD judged each kind (docs/constructs.md says the same).
    const mechanisms = Object.fromEntries(health.result.objects.map((j) => [j.kind, j.mechanism]));
    expect(mechanisms).toMatchObject({
      GatewayClass: "lua",
      Gateway: "lua",
      TLSRoute: "lua",
      PodDisruptionBudget: "lua",
      Deployment: "go",
      Service: "go",
      Namespace: "none",
      ServiceAccount: "none",
      ClusterRole: "none",
      ClusterRoleBinding: "none",
      Role: "none",
      RoleBinding: "none",
    });
    if (mechanisms.ReferenceGrant !== undefined) expect(mechanisms.ReferenceGrant).toBe("none");
  }, 600_000);

  test("every Gateway of dist/ is Programmed=True and Healthy; one whose listener the proxy cannot bind is not Healthy", async () => {
    const health = await argoHealth(argocd, server!.cluster.kubeconfig, distFiles);
    for (const gateway of gateways) {
      const live = JSON.parse(await kubectl(["get", "gateway", gateway.metadata.name, "-n", gateway.metadata.namespace ?? "default", "-o", "json"])) as { status?: { conditions?: unknown } };
      expect(`${gateway.metadata.name}: ${summary(live.status?.conditions).Programmed}`).toBe(`${gateway.metadata.name}: True/Programmed`);
      const judged = health.result.objects.find((j) => j.kind === "Gateway" && j.name === gateway.metadata.name)!;
      expect(`${gateway.metadata.name}: ${judged.status}`).toBe(`${gateway.metadata.name}: Healthy`);
    }

    // A listener on the port of the proxy's liveness probe: every pod already listens
    // there, so Courier reports Programmed=False (Pending, with the bind error) and
    // Argo CD waits.
    expect(probePort).toBeNumber();
    const file = join(work, "unbindable-gateway.yaml");
    const name = `argo-unbindable-${process.pid}`;
    writeFileSync(
      file,
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: default}
spec:
  gatewayClassName: ${gatewayClass.metadata.name}
  listeners:
  - {name: taken, port: ${probePort}, protocol: TLS, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: Same}}}
`,
    );
    await kubectl(["apply", "--server-side", "-f", file]);
    try {
      // Until the proxy writes its status the CRD's default (Programmed=Unknown, "Waiting
      // for controller") shows: wait for the proxy's own verdict first.
      await eventually(
        `Programmed=False/Pending on Gateway ${name}`,
        async () => {
          const live = JSON.parse(await kubectl(["get", "gateway", name, "-n", "default", "-o", "json"])) as { status?: { conditions?: unknown } };
          return summary(live.status?.conditions).Programmed === "False/Pending" ? true : undefined;
        },
        60_000,
        250,
      );
      const judged = await argoHealth(argocd, server!.cluster.kubeconfig, [file]);
      const j = judged.result.objects[0]!;
      console.log(`argo health: ${line(j)}`);
      expect([j.status, j.mechanism]).toEqual(["Progressing", "lua"]);
      expect(j.message).toContain(`cannot listen on`);
      // It stays so: the proxy retries, but the port stays taken.
      await Bun.sleep(6_000);
      const again = await argoHealth(argocd, server!.cluster.kubeconfig, [file]);
      expect(again.result.objects[0]!.status).toBe("Progressing");
    } finally {
      await kubectl(["delete", "-f", file, "--wait=true"]);
    }
  }, 180_000);

  test("a TLSRoute whose backend Service is missing ends Degraded, not Healthy", async () => {
    // On a dist/ Gateway listener that takes routes from its own namespace; a hostname
    // of its own unless the listener fixes one.
    const candidates = gateways.flatMap((g) => (g.spec.listeners as Listener[]).filter((l) => (l.allowedRoutes?.namespaces?.from ?? "Same") === "Same").map((l) => ({ g, l })));
    const pick = candidates.find((c) => c.l.hostname === undefined) ?? candidates.find((c) => c.l.hostname?.startsWith("*.") === true) ?? candidates[0]!;
    const namespace = pick.g.metadata.namespace ?? "default";
    const hostname = pick.l.hostname === undefined ? "argo-degraded.example.com" : pick.l.hostname.replace(/^\*\./, "argo-degraded.");
    const name = `argo-missing-backend-${process.pid}`;
    const file = join(work, "missing-backend-route.yaml");
    writeFileSync(file, tlsRouteYaml(namespace, name, { name: pick.g.metadata.name, sectionName: pick.l.name }, [hostname], [{ name: `missing-${process.pid}`, port: 443 }]));
    await kubectl(["apply", "--server-side", "-f", file]);
    try {
      const judged = await argoHealth(argocd, server!.cluster.kubeconfig, [file], { waitFor: "Degraded", timeoutMs: 60_000 });
      const j = judged.result.objects[0]!;
      console.log(`argo health: ${line(j)}`);
      expect(judged.code).toBe(0);
      expect([j.status, j.mechanism, j.script]).toEqual(["Degraded", "lua", "resource_customizations/gateway.networking.k8s.io/TLSRoute/health.lua"]);
      expect(j.message).toStartWith(`Parent ${pick.g.metadata.name}: `);
      const live = JSON.parse(await kubectl(["get", "tlsroute", name, "-n", namespace, "-o", "json"])) as { status?: { parents?: { conditions?: unknown }[] } };
      expect(summary(live.status?.parents?.[0]?.conditions)).toMatchObject({ Accepted: "True/Accepted", ResolvedRefs: "False/BackendNotFound" });
    } finally {
      await kubectl(["delete", "-f", file, "--wait=true"]);
    }
  }, 120_000);
});
