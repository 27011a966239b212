// The image build's own parts, on small inputs: the tar writer read back by GNU tar
// (long names take the ustar prefix or a pax header), and which imports count as
// runtime npm packages.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageName, runtimeSpecifiers } from "../../scripts/image/runtimePackages.ts";
import { parseLdd } from "../../scripts/image/sharedLibraries.ts";
import { writeTar, type TarEntry } from "../../scripts/image/tar.ts";

const work = mkdtempSync(join(tmpdir(), "courier-image-parts-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("tar writer", () => {
  test("GNU tar reads back names of every length, modes, symlinks and the fixed mtime", () => {
    const prefixed = `${"d".repeat(120)}/${"f".repeat(90)}`; // fits ustar's prefix + name
    const long = `${"e".repeat(160)}/${"g".repeat(120)}`; // needs a pax header
    const entries: TarEntry[] = [
      { type: "dir", path: "a", mode: 0o755 },
      { type: "file", path: "a/run", mode: 0o755, data: Buffer.from("#!/bin/true\n") },
      { type: "symlink", path: "a/link", target: "run" },
      { type: "dir", path: "t", mode: 0o1777 },
      { type: "dir", path: "d".repeat(120), mode: 0o755 },
      { type: "file", path: prefixed, mode: 0o644, data: Buffer.from("prefixed") },
      { type: "dir", path: "e".repeat(160), mode: 0o755 },
      { type: "file", path: long, mode: 0o644, data: Buffer.alloc(1000, 0x78) },
    ];
    const archive = join(work, "t.tar");
    writeFileSync(archive, writeTar(entries, 86_400));
    expect(writeTar(entries, 86_400).equals(readFileSync(archive))).toBe(true);
    const out = join(work, "out");
    mkdirSync(out);
    const run = spawnSync("tar", ["-xpf", archive, "-C", out], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(readFileSync(join(out, prefixed), "utf8")).toBe("prefixed");
    expect(readFileSync(join(out, long)).length).toBe(1000);
    expect(lstatSync(join(out, "a/run")).mode & 0o7777).toBe(0o755);
    expect(lstatSync(join(out, "t")).mode & 0o7777).toBe(0o1777);
    expect(readlinkSync(join(out, "a/link"))).toBe("run");
    expect(lstatSync(join(out, "a/run")).mtimeMs).toBe(86_400_000);
    const listing = spawnSync("tar", ["-tvf", archive, "--numeric-owner"], { encoding: "utf8" }).stdout;
    for (const line of listing.trim().split("\n")) expect(line).toContain(" 0/0 ");
  });
});

describe("runtime packages", () => {
  test("bare runtime imports count; type-only, relative, node: and bun imports do not", () => {
    const source = [
      'import { parse } from "yaml";',
      'import type { Socket } from "bun";',
      'import type { Thing } from "typed-only";',
      'import { join } from "node:path";',
      'import { x } from "../lib/x.ts";',
      'import {\n  a,\n  b,\n} from "@scope/pkg/sub";',
      'export { y } from "re-exported";',
      'export type { Z } from "type-reexport";',
      'const lazy = await import("lazy-pkg");',
      'import "side-effect";',
    ].join("\n");
    expect(runtimeSpecifiers(source).map(packageName).sort()).toEqual(["@scope/pkg", "lazy-pkg", "re-exported", "side-effect", "yaml"]);
  });

  test("ldd output becomes library paths, the vDSO skipped", () => {
    const output = ["\tlinux-vdso.so.1 (0x00007ffd)", "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)", "\t/lib64/ld-linux-x86-64.so.2 (0x00007f)"].join("\n");
    expect(parseLdd(output).map((l) => l.imagePath)).toEqual(["/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"]);
  });
});
