// The proxy image as `npm run image` builds it (scripts/image/build.ts), for the tests
// that run it: test/image/ under runc directly, test/cluster/courierPod.test.ts as the
// Deployment's pods. The build reuses the archive when nothing in it changed.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ImageSummary } from "../../scripts/image/build.ts";
import { ARCHIVE_NAME, OUTPUT_DIR, SUMMARY_NAME } from "../../scripts/image/imageSpec.ts";

const root = resolve(import.meta.dir, "../..");

export interface BuiltImage {
  readonly summary: ImageSummary;
  /** What the build printed (name, digest, sizes, and whether the archive was reused). */
  readonly output: string;
  /** The OCI image-layout archive. */
  readonly archive: string;
}

/**
 * Runs the image build as `npm run image` does (its Debian prerequisite first), with
 * `args` such as `--force` or `--out DIR` (default output: .cache/image).
 */
export function buildCourierImage(args: readonly string[] = []): BuiltImage {
  const ensure = spawnSync("sh", ["scripts/ensure.sh", "ca-certificates"], { cwd: root, encoding: "utf8" });
  if (ensure.status !== 0) throw new Error(`scripts/ensure.sh ca-certificates: ${ensure.stderr}`);
  const run = spawnSync(join(root, "node_modules/.bin/bun"), ["scripts/image/build.ts", ...args], { cwd: root, encoding: "utf8", timeout: 240_000 });
  if (run.status !== 0) throw new Error(`image build failed:\n${run.stdout}\n${run.stderr}`);
  const out = args.includes("--out") ? args[args.indexOf("--out") + 1]! : join(root, OUTPUT_DIR);
  return {
    summary: JSON.parse(readFileSync(join(out, SUMMARY_NAME), "utf8")) as ImageSummary,
    output: run.stdout,
    archive: join(out, ARCHIVE_NAME),
  };
}
