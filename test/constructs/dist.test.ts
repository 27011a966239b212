// dist/ is what GitOps applies, so it must be exactly what a fresh synth writes:
// under Bun in-process, under Node through `cdk8s synth` (cdk8s.yaml's app, as a user
// in a fresh clone runs it), and under plain Node from the tsc-compiled library.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdk8s";
import { defineScenarios, SCENARIOS } from "../../synth/app.ts";

const root = join(import.meta.dir, "..", "..");
const dist = join(root, "dist");
const STALE = "dist/ differs from a fresh synth: run `npm run synth` and commit dist/";

function readTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) files[name] = readFileSync(join(dir, name), "utf8");
  return files;
}

function expectSameAsDist(outdir: string): void {
  const fresh = readTree(outdir);
  const committed = readTree(dist);
  expect(Object.keys(fresh), STALE).toEqual(Object.keys(committed));
  for (const name of Object.keys(committed)) expect(fresh[name], `${STALE} (${name})`).toBe(committed[name]!);
}

function run(command: string, args: string[], env: Record<string, string> = {}): void {
  const result = spawnSync(command, args, { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, timeout: 240_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
}

describe("dist/", () => {
  test("holds one file per scenario", () => {
    expect(Object.keys(readTree(dist))).toEqual(SCENARIOS.map((s) => `${s}.k8s.yaml`).sort());
  });

  test("equals a fresh synth under Bun, byte for byte", () => {
    const outdir = mkdtempSync(join(tmpdir(), "courier-dist-bun-"));
    const app = new App({ outdir });
    defineScenarios(app);
    app.synth();
    expectSameAsDist(outdir);
    rmSync(outdir, { recursive: true, force: true });
  });

  test("equals `cdk8s synth` (Node, cdk8s.yaml's app), byte for byte", () => {
    const outdir = mkdtempSync(join(tmpdir(), "courier-dist-cli-"));
    run(join(root, "node_modules", ".bin", "cdk8s"), ["--no-check-upgrade", "synth", "--output", outdir]);
    expectSameAsDist(outdir);
    rmSync(outdir, { recursive: true, force: true });
  }, 240_000);

  test("equals a synth by plain Node from the tsc-compiled library, byte for byte", () => {
    // Compiled inside the repository so that Node resolves cdk8s from node_modules.
    const build = join(root, ".cache", `constructs-node-${process.pid}`);
    const outdir = mkdtempSync(join(tmpdir(), "courier-dist-node-"));
    try {
      mkdirSync(build, { recursive: true });
      writeFileSync(
        join(build, "tsconfig.json"),
        JSON.stringify({ extends: "../../tsconfig.lib.json", compilerOptions: { rootDir: "../..", outDir: ".", declaration: false }, include: ["../../src", "../../synth"] }),
      );
      run(join(root, "node_modules", ".bin", "tsc"), ["-p", join(build, "tsconfig.json")]);
      run("node", [join(build, "synth", "main.js")], { CDK8S_OUTDIR: outdir });
      expectSameAsDist(outdir);
    } finally {
      rmSync(build, { recursive: true, force: true });
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 240_000);
});
