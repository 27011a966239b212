// The test control plane for one run of scripts/runTests.ts: started before the
// first suite that needs it, shared by every such suite through COURIER_KUBECONFIG,
// stopped when the runner exits. The cluster also watches the runner's pid and
// removes itself if the runner dies without reaching its exit handler.
import { spawnSync } from "node:child_process";

let started = false;

/** Starts the cluster once; returns an error message when it could not be started. */
export function ensureRunCluster(): string | undefined {
  // Given by the caller (or already started by this run): reuse it.
  if (started || process.env.COURIER_KUBECONFIG) return undefined;
  const dir = `.cache/cluster/run-${process.pid}`;
  // stderr is passed through: a cold build (minutes) reports its progress there.
  const up = spawnSync("sh", ["scripts/cluster.sh", "up", "--dir", dir, "--owner-pid", String(process.pid)], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
  const line = /^KUBECONFIG=(.+)$/m.exec(up.stdout ?? "");
  if (up.status !== 0 || line?.[1] === undefined) return `the test control plane did not start (exit status ${up.status})`;
  started = true;
  process.env.COURIER_KUBECONFIG = line[1];
  process.on("exit", () => {
    spawnSync("sh", ["scripts/cluster.sh", "down", "--dir", dir], { stdio: "inherit" });
  });
  return undefined;
}
