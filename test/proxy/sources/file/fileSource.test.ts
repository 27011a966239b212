// The reload policy of startFileSource, in process: a drastic change is held (warning
// and metric) and applied only when a later read finds the same bytes; sizes are
// checked before reading.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { METRIC } from "../../../../contract/index.ts";
import { Logger } from "../../../../proxy/lib/log.ts";
import { Metrics } from "../../../../proxy/lib/metrics.ts";
import type { Snapshot } from "../../../../proxy/model/snapshot.ts";
import { loadFileSnapshot, startFileSource } from "../../../../proxy/sources/file/fileSource.ts";
import { COURIER_CLASS, gatewayManifest } from "../../../helpers/manifests.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function manifestsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "courier-filesource-"));
  dirs.push(dir);
  const manifests = join(dir, "manifests");
  mkdirSync(manifests);
  writeFileSync(join(manifests, "gateway.yaml"), [COURIER_CLASS, gatewayManifest("gw", [{ name: "tls", port: 443 }])].map((o) => stringify(o)).join("---\n"));
  return manifests;
}

async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  for (const started = Date.now(); !(await done()); await Bun.sleep(25)) if (Date.now() - started > 20_000) throw new Error(`timed out waiting for ${what}`);
}

async function heldCount(metrics: Metrics): Promise<number> {
  const match = new RegExp(`^${METRIC.configHeld} (\\d+)$`, "m").exec(await metrics.registry.metrics());
  return match === null ? 0 : Number(match[1]);
}

describe("file source reload policy", () => {
  test("a truncated manifest is held with a warning and a metric, then applied once a second read confirms it", async () => {
    const manifests = manifestsDir();
    const lines: string[] = [];
    const snapshots: Snapshot[] = [];
    const metrics = new Metrics();
    const source = await startFileSource({ manifests, confirmMs: 300 }, new Logger("warn", (line) => lines.push(line)), metrics, (snapshot) => snapshots.push(snapshot));
    try {
      expect(snapshots.length).toBe(1);
      truncateSync(join(manifests, "gateway.yaml"), 0);
      await until("the change to be held", () => lines.some((line) => line.includes("held back until a second read confirms it")));
      expect(await heldCount(metrics)).toBe(1);
      expect(lines.join("\n")).toContain("every listener would be removed");
      // Not served at the first read; served after the second, with no further write.
      expect(snapshots.length).toBe(1);
      await until("the confirmed change", () => snapshots.length === 2);
      expect(snapshots[1]!.gateways).toEqual([]);
      expect(lines.some((line) => line.includes("confirmed by a second read"))).toBe(true);
    } finally {
      await source.stop();
    }
  }, 30_000);

  test("a held change that is rewritten before the confirmation is judged afresh", async () => {
    const manifests = manifestsDir();
    const snapshots: Snapshot[] = [];
    const metrics = new Metrics();
    const source = await startFileSource({ manifests, confirmMs: 60_000 }, new Logger("error", () => {}), metrics, (snapshot) => snapshots.push(snapshot));
    try {
      truncateSync(join(manifests, "gateway.yaml"), 0);
      await until("the change to be held", async () => (await heldCount(metrics)) === 1);
      // The writer finishes: the full file applies at once.
      writeFileSync(join(manifests, "gateway.yaml"), [COURIER_CLASS, gatewayManifest("gw", [{ name: "tls", port: 443 }, { name: "pg", port: 5432 }])].map((o) => stringify(o)).join("---\n"));
      await until("the finished write", () => snapshots.length === 2);
      expect(snapshots[1]!.gateways[0]!.listeners.length).toBe(2);
    } finally {
      await source.stop();
    }
  }, 30_000);

  test("files over the size limits are not read; the error names the file or directory and the limit", async () => {
    const manifests = manifestsDir();
    writeFileSync(join(manifests, "big.yaml"), `# ${"x".repeat(2_000)}\n`);
    const perFile = await loadFileSnapshot({ manifests, sizeLimits: { maxFileBytes: 1_000, maxDirBytes: 1_000_000 } });
    expect(perFile.errors).toEqual([`${join(manifests, "big.yaml")}: 2003 bytes is over the limit of 1000 bytes per file (--max-file-bytes); not read`]);
    expect(perFile.snapshot.gateways.length).toBe(1);

    const perDir = await loadFileSnapshot({ manifests, sizeLimits: { maxFileBytes: 1_000_000, maxDirBytes: 1_500 } });
    expect(perDir.errors.length).toBe(1);
    expect(perDir.errors[0]).toMatch(/manifests: the manifest files total \d+ bytes, over the limit of 1500 bytes per directory \(--max-dir-bytes\); not read$/);
    expect(perDir.snapshot.gateways).toEqual([]);

    const endpoints = join(manifests, "..", "endpoints.yaml");
    writeFileSync(endpoints, `# ${"x".repeat(3_000)}\nservices: []\n`);
    const endpointsOver = await loadFileSnapshot({ manifests, endpoints, sizeLimits: { maxFileBytes: 2_500, maxDirBytes: 1_000_000 } });
    expect(endpointsOver.errors).toEqual([`${endpoints}: 3016 bytes is over the limit of 2500 bytes per file (--max-file-bytes); not read`]);
  });
});
