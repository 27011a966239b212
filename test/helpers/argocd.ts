// Argo CD's own health checks and sync engine, as the courier-argocd binary of
// test/argocd/ runs them (built by scripts/argocd.sh from the argo-cd and
// gitops-engine modules at ARGOCD_VERSION of scripts/versions.env).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dir, "../..");

/** Builds courier-argocd when its sources changed (about 12 minutes cold) and returns its path. */
export function argocdBinary(): string {
  const built = spawnSync("sh", [join(repo, "scripts/argocd.sh"), "bin"], { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const path = built.stdout.trim().split("\n").pop() ?? "";
  if (built.status !== 0 || !existsSync(path)) throw new Error(`could not build courier-argocd (exit ${built.status})`);
  return path;
}

export interface ArgoVersions {
  readonly argoCD: string;
  readonly gitopsEngine: string;
  readonly gopherLua: string;
  readonly go: string;
}

/** Which part of Argo CD judged an object: a resource_customizations Lua script, a gitops-engine Go check, or none. */
export type HealthMechanism = "lua" | "go" | "none";

export interface ArgoJudgement {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly wave: number;
  /** Healthy, Progressing, Degraded, Suspended, Unknown, Missing; "" when Argo CD has no health check for the kind. */
  readonly status: string;
  readonly message?: string;
  readonly mechanism: HealthMechanism;
  /** For "lua": the script's path in the argo-cd module. */
  readonly script?: string;
}

export interface ArgoHealthReport {
  readonly versions: ArgoVersions;
  readonly objects: readonly ArgoJudgement[];
}

export interface ArgoResourceOutcome extends ArgoJudgement {
  /** Synced, SyncFailed, ...; "" when the engine never applied it. */
  readonly syncStatus: string;
  /** Running (applied, waiting for health), Succeeded, Failed, Error. */
  readonly operationState: string;
  readonly syncMessage?: string;
  readonly order: number;
}

export interface ArgoWave {
  readonly wave: number;
  readonly objects: number;
  readonly appliedAtMs: number | null;
  readonly doneAtMs: number | null;
}

export interface ArgoSyncResult {
  readonly versions: ArgoVersions;
  readonly phase: string;
  readonly message: string;
  /** Still Running at the timeout: Argo CD would wait for ever; `waiting` says on what. */
  readonly stalled: boolean;
  readonly elapsedMs: number;
  readonly steps: number;
  readonly waves: readonly ArgoWave[];
  readonly resources: readonly ArgoResourceOutcome[];
  readonly waiting?: readonly ArgoJudgement[];
}

export interface ArgoRun<T> {
  /** 0: done; 3: --wait-for not reached / sync stalled; 4: sync failed; 1: error. */
  readonly code: number;
  readonly result: T;
  readonly stderr: string;
}

async function run<T>(binary: string, args: readonly string[]): Promise<ArgoRun<T>> {
  const child = Bun.spawn([binary, ...args], { cwd: repo, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0 && code !== 3 && code !== 4) throw new Error(`courier-argocd ${args[0]} exited ${code}:\n${stderr}${stdout}`);
  return { code, result: JSON.parse(stdout) as T, stderr };
}

const fileArgs = (files: readonly string[]): string[] => files.flatMap((f) => ["-f", f]);

/** The health Argo CD shows for the live object of every object in `files`; with waitFor, polls until all have it. */
export function argoHealth(
  binary: string,
  kubeconfig: string,
  files: readonly string[],
  options: { readonly waitFor?: string; readonly timeoutMs?: number } = {},
): Promise<ArgoRun<ArgoHealthReport>> {
  const wait = options.waitFor === undefined ? [] : ["--wait-for", options.waitFor, "--timeout", `${options.timeoutMs ?? 60_000}ms`];
  return run(binary, ["health", "--kubeconfig", kubeconfig, ...wait, ...fileArgs(files)]);
}

/** A first sync of `files` as one Application by gitops-engine's sync engine, stepped as Argo CD's controller steps it. */
export function argoSync(
  binary: string,
  kubeconfig: string,
  files: readonly string[],
  options: { readonly timeoutMs: number; readonly intervalMs?: number },
): Promise<ArgoRun<ArgoSyncResult>> {
  const args = ["sync", "--kubeconfig", kubeconfig, "--timeout", `${options.timeoutMs}ms`, "--interval", `${options.intervalMs ?? 1000}ms`];
  return run(binary, [...args, ...fileArgs(files)]);
}
