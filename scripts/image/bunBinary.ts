// Finds the real Bun executable that the npm package `bun` installed. Its postinstall
// moves the platform binary from @oven/bun-linux-<arch>[-variant] into
// node_modules/bun/bin/bun.exe; without postinstall that file is a small launcher and
// the binary is still in the @oven package.
import { existsSync, openSync, readSync, closeSync, readdirSync, realpathSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface BunBinary {
  readonly path: string;
  readonly version: string;
}

function isElf(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    closeSync(fd);
  }
}

export function findBunBinary(root: string): BunBinary {
  const arch = process.arch === "x64" ? "x64" : process.arch;
  const candidates: string[] = [];
  const shim = join(root, "node_modules/.bin/bun");
  if (existsSync(shim)) candidates.push(realpathSync(shim));
  const oven = join(root, "node_modules/@oven");
  if (existsSync(oven)) {
    // Plain glibc builds only: a musl build needs a different C library in the image.
    for (const name of readdirSync(oven).sort()) {
      if (name.startsWith(`bun-linux-${arch}`) && !name.includes("musl")) candidates.push(join(oven, name, "bin/bun"));
    }
  }
  const path = candidates.find((c) => existsSync(c) && isElf(c));
  if (path === undefined) throw new Error(`no Bun executable for linux-${arch} found in node_modules (looked at ${candidates.join(", ")}); run npm ci`);
  const pkg = JSON.parse(readFileSync(join(root, "node_modules/bun/package.json"), "utf8")) as { version?: unknown };
  return { path, version: typeof pkg.version === "string" ? pkg.version : "unknown" };
}
