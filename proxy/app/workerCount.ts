// How many data-plane event loops `--workers` asks for. "auto" is the CPUs this
// container may use: the cgroup CPU quota (a pod's CPU limit) rounded up, else the
// CPUs the process may run on. Pure parts take the files' text; readCpuQuota() reads them.
import { availableParallelism } from "node:os";
import { readFileSync } from "node:fs";
import { MAX_WORKERS } from "../../contract/index.ts";

export type WorkersSetting = number | "auto";

/** "auto" or an integer 1..MAX_WORKERS; an error message otherwise. */
export function parseWorkers(text: string): WorkersSetting | { readonly error: string } {
  if (text === "auto") return "auto";
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_WORKERS) return { error: `--workers must be auto or an integer 1..${MAX_WORKERS}, not ${JSON.stringify(text)}` };
  return n;
}

/** CPUs a cgroup quota allows, rounded up; undefined when there is no quota. */
export function cpusFromQuota(quota: { readonly v2Max?: string; readonly v1Quota?: string; readonly v1Period?: string }): number | undefined {
  // cgroup v2: "max 100000" or "200000 100000".
  if (quota.v2Max !== undefined) {
    const [limit, period] = quota.v2Max.trim().split(/\s+/);
    if (limit === "max" || limit === undefined || period === undefined) return undefined;
    return ratio(Number(limit), Number(period));
  }
  // cgroup v1: cfs_quota_us is -1 without a limit.
  if (quota.v1Quota !== undefined && quota.v1Period !== undefined) return ratio(Number(quota.v1Quota.trim()), Number(quota.v1Period.trim()));
  return undefined;
}

function ratio(limit: number, period: number): number | undefined {
  if (!(limit > 0) || !(period > 0)) return undefined;
  return Math.max(1, Math.ceil(limit / period));
}

/** The worker count for a setting: auto = min(quota CPUs, CPUs available), at least 1. */
export function resolveWorkers(setting: WorkersSetting, quotaCpus: number | undefined, availableCpus: number): number {
  if (setting !== "auto") return setting;
  return Math.min(MAX_WORKERS, Math.max(1, Math.min(quotaCpus ?? availableCpus, availableCpus)));
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** This process's cgroup CPU quota in CPUs (v2 first, then v1), if any. */
export function readCpuQuota(): number | undefined {
  const v2Max = readOptional("/sys/fs/cgroup/cpu.max");
  if (v2Max !== undefined) return cpusFromQuota({ v2Max });
  for (const dir of ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"]) {
    const v1Quota = readOptional(`${dir}/cpu.cfs_quota_us`);
    const v1Period = readOptional(`${dir}/cpu.cfs_period_us`);
    if (v1Quota !== undefined && v1Period !== undefined) return cpusFromQuota({ v1Quota, v1Period });
  }
  return undefined;
}

/** The count `courier serve` runs with. */
export function workerCount(setting: WorkersSetting): number {
  return resolveWorkers(setting, setting === "auto" ? readCpuQuota() : undefined, availableParallelism());
}
