// What `courier serve` checks before it starts anything: the mode can be decided (see
// mode.ts), the files it was named exist and can be read, and a kubeconfig can be
// used. Each failure is one line the CLI prints before exiting 2, instead of a stack
// trace from deep inside start-up.
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import type { ServeOptions } from "./cli.ts";
import { loadCredentials, type KubeCredentials } from "../kubeapi/credentials.ts";
import { chooseMode, type Mode } from "./mode.ts";

/** Why `path` cannot be read as a `kind`, or undefined when it can. */
export function pathProblem(flag: string, path: string, kind: "file" | "directory"): string | undefined {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    return `${flag} ${path}: no such ${kind}`;
  }
  if (kind === "directory" && !isDirectory) return `${flag} ${path}: not a directory`;
  if (kind === "file" && isDirectory) return `${flag} ${path}: a directory, not a file`;
  try {
    accessSync(path, constants.R_OK);
  } catch {
    return `${flag} ${path}: not readable by this user`;
  }
  return undefined;
}

/** The first line of an error's message (YAML errors carry a code frame below it). */
function firstLine(error: unknown): string {
  return ((error as Error).message ?? String(error)).split("\n")[0]!.trim();
}

/** The credentials a cluster-mode Mode names, or why they cannot be used, in one line. */
export function credentialsFor(mode: Extract<Mode, { kind: "cluster" }>): { readonly credentials: KubeCredentials } | { readonly error: string } {
  try {
    return { credentials: loadCredentials(mode.location, mode.context) };
  } catch (error) {
    return { error: `${mode.why}: not usable: ${firstLine(error)}` };
  }
}

/** Every problem found, one line each; [] when serve may start. */
export function servePreflight(options: ServeOptions, env: Readonly<Record<string, string | undefined>>): string[] {
  const problems: string[] = [];
  const push = (problem: string | undefined): void => {
    if (problem !== undefined) problems.push(problem);
  };
  const mode = chooseMode(options, env);
  if ("error" in mode) {
    problems.push(mode.error);
  } else if (mode.kind === "files") {
    push(pathProblem("--manifests", options.manifests, "directory"));
    if (options.endpoints !== undefined) push(pathProblem("--endpoints", options.endpoints, "file"));
  } else {
    const loaded = credentialsFor(mode);
    if ("error" in loaded) problems.push(loaded.error);
  }
  if (options.adminTokenFile !== undefined) {
    const problem = pathProblem("--admin-token-file", options.adminTokenFile, "file");
    push(problem);
    if (problem === undefined && readFileSync(options.adminTokenFile, "utf8").trim() === "") problems.push(`--admin-token-file ${options.adminTokenFile}: the file is empty`);
  }
  return problems;
}
