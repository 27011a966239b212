import { describe, expect, test } from "bun:test";
import { workersForCpu } from "../../../contract/index.ts";
import { cpusFromQuota, parseWorkers, resolveWorkers } from "../../../proxy/app/workerCount.ts";

describe("--workers", () => {
  test("auto or 1..64; anything else is refused with the flag's name", () => {
    expect(parseWorkers("auto")).toBe("auto");
    expect(parseWorkers("4")).toBe(4);
    for (const bad of ["0", "65", "-1", "1.5", "two", ""]) expect(parseWorkers(bad)).toEqual({ error: `--workers must be auto or an integer 1..64, not ${JSON.stringify(bad)}` });
  });

  test("cgroup quotas: v2 cpu.max and v1 cfs quota/period, rounded up; no limit is undefined", () => {
    expect(cpusFromQuota({ v2Max: "max 100000\n" })).toBeUndefined();
    expect(cpusFromQuota({ v2Max: "200000 100000\n" })).toBe(2);
    expect(cpusFromQuota({ v2Max: "150000 100000" })).toBe(2);
    expect(cpusFromQuota({ v2Max: "50000 100000" })).toBe(1);
    expect(cpusFromQuota({ v1Quota: "-1\n", v1Period: "100000\n" })).toBeUndefined();
    expect(cpusFromQuota({ v1Quota: "400000", v1Period: "100000" })).toBe(4);
    expect(cpusFromQuota({})).toBeUndefined();
  });

  test("auto takes the quota, never more than the CPUs available; a number is kept", () => {
    expect(resolveWorkers("auto", 2, 8)).toBe(2);
    expect(resolveWorkers("auto", 16, 4)).toBe(4);
    expect(resolveWorkers("auto", undefined, 6)).toBe(6);
    expect(resolveWorkers(3, 1, 1)).toBe(3);
  });

  test("CourierProxy's default from a CPU quantity", () => {
    expect(workersForCpu("100m")).toBe(1);
    expect(workersForCpu("1500m")).toBe(2);
    expect(workersForCpu("2")).toBe(2);
    expect(workersForCpu("0.5")).toBe(1);
    expect(workersForCpu("1000")).toBe(64);
    expect(workersForCpu("1Gi")).toBeUndefined();
  });
});
