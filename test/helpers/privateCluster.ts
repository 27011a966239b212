// A control plane of the test's own, for tests that stop and restart the API server
// (doing that to the run's shared cluster would disturb every other test file).
// `stop()` ends the serve process but keeps its PKI, ports and etcd data; `start()`
// brings the same cluster back (same CA, address and objects; resourceVersions go on).
import { mkdtempSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Cluster, clusterAt, clusterBinary } from "./cluster.ts";

const repo = resolve(import.meta.dir, "../..");

export interface PrivateCluster {
  readonly cluster: Cluster;
  readonly dir: string;
  /** Stops the API server and etcd (by the serve process's pid); returns once their ports are free. */
  stop(): Promise<void>;
  /** Starts them again on the same state; returns once /readyz answers ok. */
  start(): Promise<void>;
  /** Stops the cluster and removes its directory. */
  down(): Promise<void>;
}

export async function startPrivateCluster(prefix: string): Promise<PrivateCluster> {
  const binary = await clusterBinary();
  // Under .cache/cluster like the runner's clusters; it watches this process and
  // removes itself if the test dies without calling down().
  const dir = mkdtempSync(join(repo, `.cache/cluster/${prefix}-${process.pid}-`));
  const owner = ["--owner-pid", String(process.pid)];
  const mustRun = async (args: readonly string[]): Promise<void> => {
    const child = Bun.spawn([binary, ...args], { cwd: repo, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`courier-cluster ${args.join(" ")} exited ${code}:\n${stderr}${stdout}`);
  };
  await mustRun(["up", "--dir", dir, ...owner]);
  return {
    cluster: clusterAt(binary, dir),
    dir,
    stop: () => mustRun(["stop", "--dir", dir]),
    start: () => mustRun(["up", "--dir", dir, "--reuse", ...owner]),
    down: () => mustRun(["down", "--dir", dir]),
  };
}
