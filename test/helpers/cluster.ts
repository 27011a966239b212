// A real Kubernetes control plane for tests (kube-apiserver + etcd on loopback,
// built from test/cluster/). One per test process: the cluster the test runner
// started (COURIER_KUBECONFIG), else one started by `npm run cluster -- up`, else
// a private one started here and stopped when this process exits.
// There is no kube-controller-manager: nothing creates EndpointSlices, garbage-
// collects or finishes deleting namespaces; tests create what controllers would.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const repo = resolve(import.meta.dir, "../..");

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ServiceAccountToken {
  readonly token: string;
  /** A kubeconfig that authenticates with the token (and verifies the server's CA). */
  readonly kubeconfig: string;
}

export interface Cluster {
  /** Admin kubeconfig (client certificate in system:masters). */
  readonly kubeconfig: string;
  /** https://127.0.0.1:PORT */
  readonly server: string;
  /** PEM files: the cluster CA, and the admin client certificate and key. */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** kubectl of the same Kubernetes release. */
  readonly kubectlPath: string;
  /** Runs kubectl with the admin kubeconfig (or options.kubeconfig). */
  kubectl(args: readonly string[], options?: { readonly stdin?: string; readonly kubeconfig?: string }): Promise<CommandResult>;
  /** `kubectl apply --server-side` of YAML text; throws with kubectl's message when it fails. */
  apply(yaml: string, options?: { readonly dryRun?: boolean }): Promise<string>;
  /** Creates the namespaces that do not exist yet. */
  createNamespaces(...names: readonly string[]): Promise<void>;
  /**
   * Replaces the Gateway API CRDs: "v1" (standard channel, TLSRoute v1) or "v1alpha2"
   * (an older bundle that serves TLSRoute only as v1alpha2). Deletes every Gateway API object.
   */
  installCrds(bundle: "v1" | "v1alpha2"): Promise<void>;
  /**
   * Creates ServiceAccount namespace/name, applies the ClusterRoles and Roles in the
   * YAML text and binds them to it, and mints a token from the TokenRequest API.
   */
  mintToken(options: { readonly namespace: string; readonly name: string; readonly rbac: string }): Promise<ServiceAccountToken>;
}

interface ClusterInfo {
  readonly pid: number;
  readonly server: string;
  readonly kubeconfig: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly binary: string;
}

let cluster: Promise<Cluster> | undefined;

/** The cluster of this test process, started on first use. */
export function useCluster(): Promise<Cluster> {
  cluster ??= connect();
  return cluster;
}

async function connect(): Promise<Cluster> {
  const given = process.env.COURIER_KUBECONFIG;
  const running = given !== undefined && given !== "" ? readInfo(dirname(given)) : liveInfo(join(repo, ".cache/cluster/run"));
  // A running cluster names its own binary: no build check (and no rebuild if
  // a go.sum changed under it) in every test process.
  if (running !== undefined) return makeCluster(typeof running.binary === "string" && existsSync(running.binary) ? running.binary : await clusterBinary(), running);

  const binary = await clusterBinary();
  // `bun test` emits no "exit" event, so no handler could stop the cluster: it
  // watches this process instead and removes itself within a second of its end.
  const dir = join(repo, `.cache/cluster/test-${process.pid}`);
  const up = await run(binary, ["up", "--dir", dir, "--owner-pid", String(process.pid)]);
  if (up.code !== 0) throw new Error(`cluster up failed:\n${up.stderr}`);
  return makeCluster(binary, readInfo(dir));
}

/** Builds the courier-cluster binary when missing (minutes, once per version set) and returns its path. */
export async function clusterBinary(): Promise<string> {
  const built = await run("sh", [join(repo, "scripts/cluster.sh"), "bin"], { stderr: "inherit" });
  const path = built.stdout.trim().split("\n").pop() ?? "";
  if (built.code !== 0 || !existsSync(path)) throw new Error(`could not build the test control plane (exit ${built.code})`);
  return path;
}

/** The cluster running from state directory `dir` (see privateCluster.ts), driven by `binary`. */
export function clusterAt(binary: string, dir: string): Cluster {
  return makeCluster(binary, readInfo(dir));
}

function readInfo(dir: string): ClusterInfo {
  return JSON.parse(readFileSync(join(dir, "cluster.json"), "utf8")) as ClusterInfo;
}

function liveInfo(dir: string): ClusterInfo | undefined {
  if (!existsSync(join(dir, "cluster.json"))) return undefined;
  const info = readInfo(dir);
  try {
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

function makeCluster(binary: string, info: ClusterInfo): Cluster {
  const kubectlPath = join(dirname(binary), "kubectl");
  // Inside the cluster's own directory, so it goes away with the cluster.
  const scratch = mkdtempSync(join(dirname(info.kubeconfig), `scratch-${process.pid}-`));
  let files = 0;
  const scratchFile = (name: string, text: string): string => {
    files += 1;
    const path = join(scratch, `${files}-${name}`);
    writeFileSync(path, text);
    return path;
  };
  const admin = ["--kubeconfig", info.kubeconfig];
  const mustRun = async (args: readonly string[]): Promise<string> => {
    const result = await run(binary, args);
    if (result.code !== 0) throw new Error(`courier-cluster ${args[0]} failed: ${result.stderr}`);
    return result.stdout;
  };

  const self: Cluster = {
    kubeconfig: info.kubeconfig,
    server: info.server,
    caFile: info.caFile,
    certFile: info.certFile,
    keyFile: info.keyFile,
    kubectlPath,
    kubectl: (args, options) =>
      run(kubectlPath, ["--kubeconfig", options?.kubeconfig ?? info.kubeconfig, ...args], options?.stdin === undefined ? {} : { stdin: options.stdin }),
    async apply(yaml, options) {
      const dryRun = options?.dryRun === true ? ["--dry-run=server"] : [];
      const result = await self.kubectl(["apply", "--server-side", "--force-conflicts", ...dryRun, "-f", "-"], { stdin: yaml });
      if (result.code !== 0) throw new Error(result.stderr.trim() || `kubectl apply exited ${result.code}`);
      return result.stdout;
    },
    async createNamespaces(...names) {
      await mustRun(["namespace", ...admin, ...names]);
    },
    async installCrds(bundle) {
      await mustRun(["crds", ...admin, "--bundle", bundle, "--reset"]);
    },
    async mintToken({ namespace, name, rbac }) {
      const kubeconfig = join(scratch, `${namespace}-${name}.kubeconfig`);
      const rbacFile = scratchFile("rbac.yaml", rbac);
      const out = await mustRun(["token", ...admin, "--namespace", namespace, "--name", name, "--rbac", rbacFile, "--kubeconfig-out", kubeconfig]);
      return { token: out.trim(), kubeconfig };
    },
  };
  return self;
}

async function run(
  command: string,
  args: readonly string[],
  options: { readonly stdin?: string; readonly stderr?: "inherit" } = {},
): Promise<CommandResult> {
  const child = Bun.spawn([command, ...args], {
    cwd: repo,
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: options.stderr ?? "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    child.stderr instanceof ReadableStream ? new Response(child.stderr).text() : Promise.resolve(""),
    child.exited,
  ]);
  return { code, stdout, stderr };
}
