// Reads a prepared root filesystem directory back as tar entries: parents before
// children, names in byte order, modes as on disk (the preparer normalized them).
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type { TarEntry } from "./tar.ts";

export function rootfsEntries(dir: string, prefix = ""): TarEntry[] {
  const out: TarEntry[] = [];
  const names = readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const hostPath = join(dir, name);
    const path = `${prefix}${name}`;
    const stat = lstatSync(hostPath);
    if (stat.isSymbolicLink()) out.push({ type: "symlink", path, target: readlinkSync(hostPath) });
    else if (stat.isDirectory()) {
      out.push({ type: "dir", path, mode: stat.mode & 0o7777 });
      out.push(...rootfsEntries(hostPath, `${path}/`));
    } else if (stat.isFile()) out.push({ type: "file", path, mode: stat.mode & 0o7777, data: readFileSync(hostPath) });
    else throw new Error(`unsupported file type in the image root: ${hostPath}`);
  }
  return out;
}
