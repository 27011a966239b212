// A node for a test cluster: kube-controller-manager (Deployments, ReplicaSets,
// EndpointSlices, ServiceAccounts, namespace deletion) and the test kubelet of
// test/kubelet/ (built by scripts/kubelet.sh, cached by a key of its sources),
// which runs Pods from OCI image archives under runc or as mapped host binaries
// and, with serviceProxy, serves Services and hands out LoadBalancer addresses.
// Both watch this test process and stop when it is gone; stop() ends them by pid
// and removes whatever the kubelet left (it needs root, as the kubelet does).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dir, "../..");

export interface KubeletBinaries {
  /** The courier-kubelet binary. */
  readonly kubelet: string;
  /** The static HTTP server of the test image (see test/kubelet/hello/). */
  readonly hello: string;
}

/** Builds the kubelet when its sources changed (seconds when Go's build cache is warm) and returns its binaries. */
export function kubeletBinaries(): KubeletBinaries {
  const built = spawnSync("sh", [join(repo, "scripts/kubelet.sh"), "bin"], { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const dir = built.stdout.trim().split("\n").pop() ?? "";
  if (built.status !== 0 || dir === "") throw new Error(`could not build the test kubelet (exit ${built.status})`);
  return { kubelet: join(dir, "courier-kubelet"), hello: join(dir, "hello") };
}

export interface TestImage {
  readonly archive: string;
  /** The manifest digest (the same binary always gives the same digest). */
  readonly digest: string;
}

/**
 * Writes an OCI image-layout archive whose only file is the hello server at /hello
 * (Entrypoint ["/hello"], Cmd ["--listen=:8080"], User 65532:65532, an empty /tmp).
 */
export function writeHelloImage(binaries: KubeletBinaries, archive: string): TestImage {
  const args = ["image-archive", "--out", archive, "--file", `/hello=${binaries.hello}`, "--dir", "/tmp:1777"];
  args.push("--entrypoint", "/hello", "--cmd", "--listen=:8080", "--user", "65532:65532", "--env", "PATH=/");
  const run = spawnSync(binaries.kubelet, args, { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`image-archive failed: ${run.stderr}`);
  return { archive, digest: run.stdout.trim() };
}

export interface NodeOptions {
  /** The courier-cluster binary and the state directory of the running cluster (for its controller-manager). */
  readonly clusterBinary: string;
  readonly clusterDir: string;
  readonly kubeconfig: string;
  /** Image repository -> OCI image-layout archive, run under runc. */
  readonly ociImages?: Readonly<Record<string, string>>;
  /** Image repository -> host binary, run as a process. */
  readonly images?: Readonly<Record<string, string>>;
  /** Serve Services and assign LoadBalancer addresses (default pool: .200-.254 of the node's pod /24). */
  readonly serviceProxy?: boolean;
  readonly lbRange?: string;
  /** Endpoints a Service connection tries when one refuses (default 3); 1: the refusal reaches the client, as with kube-proxy's iptables rules. */
  readonly serviceProxyTries?: number;
  /** How late (ms) the service proxy acts on Service and EndpointSlice changes: a real cluster's propagation delay (default 0). */
  readonly serviceProxyLagMs?: number;
  /** Start kube-controller-manager too (default true). */
  readonly controllerManager?: boolean;
}

export interface TestNode {
  readonly kubeletPid: number;
  /** runc's state directory of this kubelet (its containers are listed there). */
  readonly runcRoot: string;
  /** What the kubelet logged so far. */
  logs(): string;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /**
   * Stops the kubelet (its pods, namespaces, bridge, addresses) and the controller-manager,
   * removes leftovers, and keeps both logs in .cache/kubelet/last-run/.
   */
  stop(): Promise<void>;
}

interface Child {
  readonly child: ChildProcess;
  readonly text: () => string;
  readonly onText: Set<() => void>;
  readonly exited: Promise<void>;
}

function startChild(command: string, args: readonly string[]): Child {
  const child = spawn(command, args, { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const onText = new Set<() => void>();
  const onChunk = (chunk: Buffer): void => {
    text += chunk.toString("utf8");
    for (const f of onText) f();
  };
  child.stdout!.on("data", onChunk);
  child.stderr!.on("data", onChunk);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  return { child, text: () => text, onText, exited };
}

async function stopChild(c: Child, graceMs: number): Promise<void> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  c.child.kill("SIGTERM");
  const timer = setTimeout(() => c.child.kill("SIGKILL"), graceMs);
  await c.exited;
  clearTimeout(timer);
}

function waitFor(c: Child, pattern: RegExp, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolveLine, reject) => {
    const check = (): void => {
      const line = c.text().split("\n").find((l) => pattern.test(l));
      if (line !== undefined) {
        done();
        resolveLine(line);
      } else if (c.child.exitCode !== null || c.child.signalCode !== null) {
        done();
        reject(new Error(`${what} exited before logging ${pattern}:\n${c.text()}`));
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what}: no log line matching ${pattern} within ${timeoutMs} ms:\n${c.text()}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      c.onText.delete(check);
      c.child.off("exit", check);
    };
    c.onText.add(check);
    c.child.once("exit", check);
    check();
  });
}

let nodes = 0;

/** Starts the controller-manager and the kubelet; resolves once the kubelet watches pods (and serves Services). */
export async function startNode(options: NodeOptions): Promise<TestNode> {
  const binaries = kubeletBinaries();
  const owner = String(process.pid);
  nodes += 1;
  mkdirSync(join(repo, ".cache/kubelet"), { recursive: true });
  const stateDir = mkdtempSync(join(repo, `.cache/kubelet/run-${process.pid}-${nodes}-`));
  const manager = options.controllerManager === false ? undefined : startChild(options.clusterBinary, ["controller-manager", "--dir", options.clusterDir, "--owner-pid", owner]);
  const args = ["--kubeconfig", options.kubeconfig, "--state-dir", stateDir, "--owner-pid", owner, "--image-cache", join(repo, ".cache/kubelet/images")];
  for (const [repository, archive] of Object.entries(options.ociImages ?? {})) args.push("--oci-image", `${repository}=${archive}`);
  for (const [repository, binary] of Object.entries(options.images ?? {})) args.push("--image", `${repository}=${binary}`);
  if (options.serviceProxy === true) args.push("--service-proxy");
  if (options.lbRange !== undefined) args.push("--lb-range", options.lbRange);
  if (options.serviceProxyTries !== undefined) args.push("--service-proxy-tries", String(options.serviceProxyTries));
  if (options.serviceProxyLagMs !== undefined) args.push("--service-proxy-lag", `${options.serviceProxyLagMs}ms`);
  const kubelet = startChild(binaries.kubelet, args);
  const pid = kubelet.child.pid!;

  const stop = async (): Promise<void> => {
    // The kubelet first: its pods go while the API server still answers.
    await stopChild(kubelet, 30_000);
    spawnSync(binaries.kubelet, ["cleanup", "--pid", String(pid)]);
    if (manager !== undefined) await stopChild(manager, 10_000);
    rmSync(stateDir, { recursive: true, force: true });
    const logs = join(repo, ".cache/kubelet/last-run");
    mkdirSync(logs, { recursive: true });
    writeFileSync(join(logs, "kubelet.log"), kubelet.text());
    if (manager !== undefined) writeFileSync(join(logs, "controller-manager.log"), manager.text());
  };
  try {
    await waitFor(kubelet, /watching pods for node/, 60_000, "the kubelet");
    if (options.serviceProxy === true) await waitFor(kubelet, /service proxy: LoadBalancer pool/, 30_000, "the kubelet");
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    kubeletPid: pid,
    runcRoot: `/run/courier-kubelet/${pid}`,
    logs: kubelet.text,
    waitForLog: (pattern, timeoutMs = 30_000) => waitFor(kubelet, pattern, timeoutMs, "the kubelet"),
    stop,
  };
}
