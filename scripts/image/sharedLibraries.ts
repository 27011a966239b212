// The shared libraries an executable loads, as ldd resolves them on this machine
// (Debian's libc6). Each is placed in the image at the path the binary asks for, so
// the dynamic loader's built-in search path finds it without an ld.so.cache.
import { spawnSync } from "node:child_process";

export interface SharedLibrary {
  /** Path inside the image (what ldd printed, e.g. /lib/x86_64-linux-gnu/libc.so.6). */
  readonly imagePath: string;
  /** The file on this machine (ldd's path; symlinks are followed when copying). */
  readonly hostPath: string;
}

/** Parses `ldd` output: "name => /path (addr)" and the interpreter's "/path (addr)". */
export function parseLdd(output: string): SharedLibrary[] {
  const found = new Map<string, SharedLibrary>();
  for (const line of output.split("\n")) {
    const arrow = /=>\s+(\/\S+)\s+\(/.exec(line);
    const bare = /^\s*(\/\S+)\s+\(/.exec(line);
    const path = arrow?.[1] ?? bare?.[1];
    if (path !== undefined) found.set(path, { imagePath: path, hostPath: path });
    // The vDSO is provided by the kernel, not a file.
    if (/=>\s+not found/.test(line)) throw new Error(`ldd: a library is missing on this machine: ${line.trim()}`);
  }
  return [...found.values()].sort((a, b) => (a.imagePath < b.imagePath ? -1 : 1));
}

export function sharedLibraries(executable: string): SharedLibrary[] {
  const run = spawnSync("ldd", [executable], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`ldd ${executable} failed: ${run.stderr || run.stdout}`);
  const libraries = parseLdd(run.stdout);
  if (!libraries.some((l) => l.imagePath.includes("libc.so"))) throw new Error(`ldd ${executable}: no C library listed:\n${run.stdout}`);
  return libraries;
}
