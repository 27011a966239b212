// A test API server of the benchmark's own (scripts/cluster.sh, the one the cluster
// tests use), in a directory under .cache/bench/. It watches this process and goes
// away by itself if the benchmark dies without calling down() — unless it is kept
// (`keep`) for the next run, which finds it running in the same directory.
import { join } from "node:path";

export interface BenchCluster {
  readonly kubeconfig: string;
  down(): Promise<void>;
}

async function clusterScript(root: string, args: readonly string[]): Promise<string> {
  const child = Bun.spawn(["sh", join(root, "scripts/cluster.sh"), ...args], { cwd: root, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`scripts/cluster.sh ${args.join(" ")} exited ${code}:\n${stderr}${stdout}`);
  return stdout;
}

export async function startBenchCluster(root: string, dir: string, keep: boolean): Promise<BenchCluster> {
  const out = await clusterScript(root, ["up", "--dir", dir, ...(keep ? [] : ["--owner-pid", String(process.pid)])]);
  const kubeconfig = /^KUBECONFIG=(.+)$/m.exec(out)?.[1];
  if (kubeconfig === undefined) throw new Error(`scripts/cluster.sh up printed no KUBECONFIG:\n${out}`);
  return { kubeconfig, down: async () => void (await clusterScript(root, ["down", "--dir", dir])) };
}
