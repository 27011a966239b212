// The npm packages the proxy needs at run time, computed from what its source imports
// (never the whole dependency list: cdk8s and the dev tools stay out of the image),
// plus what those packages depend on in turn. They are declared in proxy/package.json,
// the proxy's own manifest (an npm workspace of the repository, so `npm ci` installs
// them); the root package.json is the construct library's, whose users never get them.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative } from "node:path";

export interface RuntimePackage {
  readonly name: string;
  readonly version: string;
  /** Directory under the repository root, e.g. node_modules/yaml. */
  readonly dir: string;
}

const BUILTINS = new Set([...builtinModules, "bun", "bun:test", "bun:sqlite", "bun:ffi", "bun:jsc"]);

/** Bare module specifiers a TypeScript file loads at run time (type-only imports excluded). */
export function runtimeSpecifiers(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /^\s*import\s+(?!type\s)(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/gm,
    /^\s*export\s+(?!type\s)[^"';]*?\s+from\s+["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.add(match[1]!);
  return [...found].filter((s) => !s.startsWith(".") && !s.startsWith("/") && !s.startsWith("node:") && !BUILTINS.has(s));
}

/** "@scope/name/sub" -> "@scope/name"; "name/sub" -> "name". */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".") || name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|js|mjs|cjs)$/.test(name)) out.push(path);
  }
  return out;
}

interface Manifest {
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

/** Node's lookup: node_modules next to the requiring package, then each parent's. */
function resolvePackage(root: string, fromDir: string, name: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (relative(root, dir) === "") return undefined;
    dir = dirname(dir);
  }
}

/** The manifest whose "dependencies" are the proxy's runtime packages, relative to the repository root. */
export const PROXY_MANIFEST = "proxy/package.json";

/** Packages imported by the given source folders (relative to root) and their dependency closure. */
export function runtimePackages(root: string, sourceDirs: readonly string[]): RuntimePackage[] {
  const proxyManifest = JSON.parse(readFileSync(join(root, PROXY_MANIFEST), "utf8")) as Manifest;
  const direct = new Set<string>();
  for (const dir of sourceDirs) {
    for (const file of sourceFiles(join(root, dir))) {
      for (const specifier of runtimeSpecifiers(readFileSync(file, "utf8"))) direct.add(packageName(specifier));
    }
  }
  for (const name of direct) {
    // A runtime import of a dev or undeclared package would work here and fail in the image.
    if (proxyManifest.dependencies?.[name] === undefined) throw new Error(`${sourceDirs.join(", ")} import ${name}, which is not in ${PROXY_MANIFEST} "dependencies"`);
  }
  const found = new Map<string, RuntimePackage>();
  const queue: Array<{ name: string; fromDir: string; optional: boolean }> = [...direct].map((name) => ({ name, fromDir: root, optional: false }));
  while (queue.length > 0) {
    const { name, fromDir, optional } = queue.shift()!;
    const dir = resolvePackage(root, fromDir, name);
    if (dir === undefined) {
      if (optional) continue;
      throw new Error(`${name} is needed at run time but not installed; run npm ci`);
    }
    const rel = relative(root, dir);
    if (found.has(rel)) continue;
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
    const pinned = fromDir === root ? proxyManifest.dependencies?.[name] : undefined;
    if (pinned !== undefined && /^\d+\.\d+\.\d+$/.test(pinned) && manifest.version !== pinned) {
      throw new Error(`${PROXY_MANIFEST} pins ${name} ${pinned} but ${rel} is ${manifest.version ?? "unknown"}; run npm ci`);
    }
    found.set(rel, { name, version: manifest.version ?? "unknown", dir: rel });
    // Type declarations are never loaded at run time; some packages (@kubernetes/client-node
    // 1.4.0: @types/node, @types/node-fetch, ...) list them as dependencies all the same.
    for (const dep of Object.keys(manifest.dependencies ?? {})) if (!dep.startsWith("@types/")) queue.push({ name: dep, fromDir: dir, optional: false });
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) queue.push({ name: dep, fromDir: dir, optional: true });
  }
  // A package nested inside another's node_modules is copied with its parent already.
  const dirs = [...found.values()].sort((a, b) => (a.dir < b.dir ? -1 : 1));
  return dirs.filter((p) => !dirs.some((outer) => outer !== p && p.dir.startsWith(`${outer.dir}/`)));
}
