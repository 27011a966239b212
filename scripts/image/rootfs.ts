// Prepares the image's root filesystem as a plain directory: the Bun binary, the C
// library it links, CA certificates, passwd/group for 65532, proxy/ (and contract/
// when present) and the proxy's runtime npm packages. Modes are normalized and every
// mtime is fixed, so the directory is the same on every machine with the same inputs;
// the OCI layer is read from it, and the Dockerfile copies it as it is.
import { chmodSync, copyFileSync, existsSync, lstatSync, lutimesSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { findBunBinary } from "./bunBinary.ts";
import { APP_DIR, BUN_PATH, CA_BUNDLE_PATH, CLI_PATH, COURIER_PATH, IMAGE_TAG } from "./imageSpec.ts";
import { runtimePackages, type RuntimePackage } from "./runtimePackages.ts";
import { sharedLibraries } from "./sharedLibraries.ts";
import { copyrightFiles, groupFile, nsswitchFile, owningPackage, passwdFile } from "./systemFiles.ts";

type Source = { readonly kind: "host"; readonly path: string } | { readonly kind: "text"; readonly text: string };

interface Planned {
  readonly imagePath: string;
  readonly mode: number;
  readonly source: Source | { readonly kind: "symlink"; readonly target: string } | { readonly kind: "dir" };
}

export interface PreparedRootfs {
  readonly dir: string;
  readonly bunVersion: string;
  readonly packages: readonly RuntimePackage[];
  readonly libraries: readonly string[];
  readonly sourceDirs: readonly string[];
}

/** The folders of this repository copied under /app: proxy/ always, contract/ once it exists. */
export function appSourceDirs(root: string): string[] {
  return ["proxy", "contract"].filter((d) => existsSync(join(root, d)));
}

/** Runs the CLI; a file rather than a shell script because the image has no shell. */
function courierLauncher(): string {
  return [`#!${BUN_PATH}`, "// `courier` on PATH without a shell: the kernel starts Bun on this file, which loads the CLI.", `await import(${JSON.stringify(CLI_PATH)});`, ""].join("\n");
}

/** Every file under hostDir, as image paths under imageDir; git only knows 0644 and 0755. */
function tree(hostDir: string, imageDir: string): Planned[] {
  const out: Planned[] = [];
  for (const name of readdirSync(hostDir).sort()) {
    if (name.startsWith(".")) continue;
    const hostPath = join(hostDir, name);
    const imagePath = `${imageDir}/${name}`;
    const stat = lstatSync(hostPath);
    if (stat.isSymbolicLink()) out.push({ imagePath, mode: 0o777, source: { kind: "symlink", target: readlinkSync(hostPath) } });
    else if (stat.isDirectory()) out.push(...tree(hostPath, imagePath));
    else if (stat.isFile()) out.push({ imagePath, mode: stat.mode & 0o111 ? 0o755 : 0o644, source: { kind: "host", path: hostPath } });
  }
  return out;
}

/**
 * Type declarations and source maps in npm packages are never loaded at run time, and
 * are large: @kubernetes/client-node 1.4.0 ships 27 MB of them beside 21 MB of JavaScript.
 */
function loadedAtRunTime(file: Planned): boolean {
  return !/\.d\.[cm]?ts$|\.[cm]?js\.map$/.test(file.imagePath) && !file.imagePath.includes("/node_modules/@types/");
}

function plan(root: string): { files: Planned[]; info: Omit<PreparedRootfs, "dir"> } {
  const bun = findBunBinary(root);
  const libraries = sharedLibraries(bun.path);
  const sourceDirs = appSourceDirs(root);
  const packages = runtimePackages(root, sourceDirs);
  const debianPackages = new Set(["ca-certificates"]);
  for (const lib of libraries) {
    const owner = owningPackage(lib.hostPath);
    if (owner !== undefined) debianPackages.add(owner);
  }
  const appManifest = {
    name: "courier-proxy",
    version: IMAGE_TAG,
    private: true,
    type: "module",
    dependencies: Object.fromEntries(packages.map((p) => [p.name, p.version])),
  };
  const files: Planned[] = [
    { imagePath: BUN_PATH, mode: 0o755, source: { kind: "host", path: bun.path } },
    { imagePath: COURIER_PATH, mode: 0o755, source: { kind: "text", text: courierLauncher() } },
    ...libraries.map((l): Planned => ({ imagePath: l.imagePath, mode: 0o755, source: { kind: "host", path: l.hostPath } })),
    { imagePath: "/etc/passwd", mode: 0o644, source: { kind: "text", text: passwdFile() } },
    { imagePath: "/etc/group", mode: 0o644, source: { kind: "text", text: groupFile() } },
    { imagePath: "/etc/nsswitch.conf", mode: 0o644, source: { kind: "text", text: nsswitchFile() } },
    { imagePath: CA_BUNDLE_PATH, mode: 0o644, source: { kind: "host", path: CA_BUNDLE_PATH } },
    ...copyrightFiles(debianPackages).map((p): Planned => ({ imagePath: p, mode: 0o644, source: { kind: "host", path: p } })),
    // Scratch space for anything that insists on one; the pod mounts an emptyDir here.
    { imagePath: "/tmp", mode: 0o1777, source: { kind: "dir" } },
    { imagePath: `${APP_DIR}/package.json`, mode: 0o644, source: { kind: "text", text: `${JSON.stringify(appManifest, null, 2)}\n` } },
    ...sourceDirs.flatMap((d) => tree(join(root, d), `${APP_DIR}/${d}`)),
    ...packages.flatMap((p) => tree(join(root, p.dir), `${APP_DIR}/${p.dir}`).filter(loadedAtRunTime)),
  ];
  return { files, info: { bunVersion: bun.version, packages, libraries: libraries.map((l) => l.imagePath), sourceDirs } };
}

/** Writes the root filesystem to `dir` (replacing it) with every mtime set to `epoch` seconds. */
export function prepareRootfs(root: string, dir: string, epoch: number): PreparedRootfs {
  const { files, info } = plan(root);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const dirs = new Set<string>();
  const ensureDir = (path: string): void => {
    if (path === dir || dirs.has(path)) return;
    ensureDir(dirname(path));
    if (!existsSync(path)) mkdirSync(path);
    chmodSync(path, 0o755);
    dirs.add(path);
  };
  const written: string[] = [];
  for (const file of files) {
    const target = join(dir, file.imagePath);
    ensureDir(dirname(target));
    const source = file.source;
    if (source.kind === "dir") {
      ensureDir(target);
      chmodSync(target, file.mode);
      continue;
    }
    if (source.kind === "symlink") symlinkSync(source.target, target);
    else if (source.kind === "host") copyFileSync(source.path, target);
    else writeFileSync(target, source.text);
    if (source.kind !== "symlink") chmodSync(target, file.mode);
    written.push(target);
  }
  // Directories last and deepest first: writing into a directory changes its mtime.
  for (const path of written) lutimesSync(path, epoch, epoch);
  for (const path of [...dirs].sort().reverse()) lutimesSync(path, epoch, epoch);
  lutimesSync(dir, epoch, epoch);
  return { dir, ...info };
}
