// src/imports/ is generated: it must equal what `npm run import` produces from the
// pinned CRDs, so nobody can hand-edit it or forget to regenerate after a bump.
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..", "..");

test("src/imports equals a fresh `cdk8s import` of the pinned CRDs", () => {
  const outdir = join(mkdtempSync(join(tmpdir(), "courier-imports-")), "imports");
  const config = readFileSync(join(root, "cdk8s.yaml"), "utf8");
  try {
    const run = spawnSync("sh", [join(root, "scripts", "importCrds.sh"), outdir], { cwd: root, encoding: "utf8", timeout: 240_000 });
    expect(run.status, run.stderr).toBe(0);
    // `cdk8s import` likes to record itself in cdk8s.yaml; the script must prevent it.
    expect(readFileSync(join(root, "cdk8s.yaml"), "utf8")).toBe(config);
    const committed = readdirSync(join(root, "src", "imports")).sort();
    expect(readdirSync(outdir).sort()).toEqual(committed);
    for (const file of committed) {
      expect(readFileSync(join(outdir, file), "utf8"), `src/imports/${file} differs: run \`npm run import\``).toBe(readFileSync(join(root, "src", "imports", file), "utf8"));
    }
  } finally {
    rmSync(join(outdir, ".."), { recursive: true, force: true });
  }
}, 240_000);
