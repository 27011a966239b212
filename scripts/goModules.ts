// The upstream Go modules the project pins in scripts/versions.env (Gateway API CRDs
// and conformance manifests, MCS API CRDs), located in the Go module cache and
// downloaded through the Go module proxy when absent, so tests and scripts read them
// at the pinned version on any machine where `go` runs.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export type PinnedVersion = "GATEWAY_API_VERSION" | "GATEWAY_API_OLD_VERSION" | "MCS_API_VERSION" | "PROMETHEUS_OPERATOR_VERSION";

/** A version from scripts/versions.env (the file the shell scripts source). */
export function pinnedVersion(name: PinnedVersion): string {
  const text = readFileSync(join(root, "scripts", "versions.env"), "utf8");
  const match = new RegExp(`^${name}=(\\S+)$`, "m").exec(text);
  if (match?.[1] === undefined) throw new Error(`${name} not found in scripts/versions.env`);
  return match[1];
}

const dirs = new Map<string, string>();

/** The module's directory in the Go module cache (read-only), downloading it first when absent. */
export function goModuleDir(module: string, version: string): string {
  const key = `${module}@${version}`;
  const known = dirs.get(key);
  if (known !== undefined) return known;
  const args = ["mod", "download", "-json", key];
  let run = spawnSync("go", args, { encoding: "utf8", cwd: root });
  // Same fallback as scripts/cluster.sh: the official installer's location when `go` is not on PATH.
  if (run.error !== undefined) run = spawnSync("/usr/local/go/bin/go", args, { encoding: "utf8", cwd: root });
  if (run.error !== undefined) throw new Error(`go mod download ${key}: cannot run go (${run.error.message}); install Go to fetch the pinned upstream files`);
  let info: { Dir?: string; Error?: string } = {};
  try {
    info = JSON.parse(run.stdout) as { Dir?: string; Error?: string };
  } catch {
    // Not JSON: go failed before downloading; its stderr says why.
  }
  if (run.status !== 0 || info.Dir === undefined) throw new Error(`go mod download ${key} failed: ${info.Error ?? `${run.stderr}${run.stdout}`}`);
  dirs.set(key, info.Dir);
  return info.Dir;
}

/** sigs.k8s.io/gateway-api at GATEWAY_API_VERSION (CRDs under config/crd/). */
export function gatewayApiDir(): string {
  return goModuleDir("sigs.k8s.io/gateway-api", pinnedVersion("GATEWAY_API_VERSION"));
}

/** sigs.k8s.io/gateway-api/conformance (a module of its own) at GATEWAY_API_VERSION: base/manifests.yaml, tests/*.yaml. */
export function gatewayApiConformanceDir(): string {
  return goModuleDir("sigs.k8s.io/gateway-api/conformance", pinnedVersion("GATEWAY_API_VERSION"));
}

/** sigs.k8s.io/mcs-api at MCS_API_VERSION (CRDs under config/crd/). */
export function mcsApiDir(): string {
  return goModuleDir("sigs.k8s.io/mcs-api", pinnedVersion("MCS_API_VERSION"));
}

/** github.com/prometheus-operator/prometheus-operator at PROMETHEUS_OPERATOR_VERSION (CRDs under example/prometheus-operator-crd/). */
export function prometheusOperatorDir(): string {
  return goModuleDir("github.com/prometheus-operator/prometheus-operator", pinnedVersion("PROMETHEUS_OPERATOR_VERSION"));
}
