// Runs every test suite in order and prints one closing line "N passed, N failed".
// A suite is a command whose output ends with bun's " N pass / N fail" summary,
// or a check that counts as one test (type-checking). Pass suite names to run a subset.
import { spawnSync } from "node:child_process";
import { ensureRunCluster } from "./testCluster.ts";

interface Suite {
  readonly name: string;
  readonly command: readonly string[];
  /** A check without its own test counter counts as one test. */
  readonly single?: boolean;
  /** Needs the test control plane (test/cluster/), started once per run and given as COURIER_KUBECONFIG. */
  readonly cluster?: boolean;
}

const bun = "node_modules/.bin/bun";
const suites: readonly Suite[] = [
  { name: "typecheck", command: ["node_modules/.bin/tsc", "--noEmit", "-p", "tsconfig.json"], single: true },
  { name: "contract", command: [bun, "test", "--timeout", "120000", "test/contract/"] },
  { name: "proxy", command: [bun, "test", "--timeout", "120000", "test/proxy/"] },
  // Builds the OCI image (npm run image) and runs it under runc as the pod would.
  { name: "image", command: [bun, "test", "--timeout", "300000", "test/image/"] },
  { name: "databases", command: [bun, "test", "--timeout", "300000", "test/databases/"] },
  { name: "constructs", command: [bun, "test", "--timeout", "240000", "test/constructs/"] },
  // npm pack, then the tarball installed by plain npm into a fresh project and run by node.
  { name: "package", command: [bun, "test", "--timeout", "300000", "test/package/"] },
  { name: "kubelet", command: ["sh", "scripts/kubelet.sh", "test"], single: true },
  { name: "cluster", command: [bun, "test", "--timeout", "300000", "test/cluster/"], cluster: true },
];

const wanted = process.argv.slice(2);
let passed = 0;
let failed = 0;
for (const suite of suites) {
  if (wanted.length > 0 && !wanted.includes(suite.name)) continue;
  console.log(`\n=== suite ${suite.name}: ${suite.command.join(" ")}`);
  const started = Date.now();
  const clusterError = suite.cluster === true ? ensureRunCluster() : undefined;
  if (clusterError !== undefined) {
    console.log(`=== suite ${suite.name}: FAILED: ${clusterError}`);
    failed += 1;
    continue;
  }
  const run = spawnSync(suite.command[0]!, suite.command.slice(1), { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  process.stdout.write(run.stdout ?? "");
  process.stderr.write(run.stderr ?? "");
  const ok = run.status === 0;
  if (suite.single) {
    if (ok) passed += 1;
    else failed += 1;
  } else {
    const text = `${run.stdout}\n${run.stderr}`;
    const pass = Number(/^\s*(\d+) pass$/m.exec(text)?.[1] ?? 0);
    const fail = Number(/^\s*(\d+) fail$/m.exec(text)?.[1] ?? 0);
    passed += pass;
    // A suite that crashed or exited non-zero without counting a failure still fails.
    failed += fail > 0 ? fail : ok ? 0 : 1;
  }
  console.log(`=== suite ${suite.name}: ${ok ? "ok" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
