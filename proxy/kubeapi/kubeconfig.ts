// Loads a client-node KubeConfig the way kubectl does. client-node 1.4.0 parses each
// file, but its own merge (loadFromDefault) differs from kubectl's: it throws on a name
// two files define and lets the last file's current-context win. kubectl's rules are
// applied here instead: the first file to define a name wins, the first file to set
// current-context wins, --context overrides it. Two things client-node drops are
// added back: `tokenFile` (it reads a non-standard `token-file` key, once) and the
// resolution of a relative exec command against its kubeconfig's directory.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, sep } from "node:path";
import type { Cluster, Context, KubeConfig, User } from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import { TokenFileAuth } from "./tokenFileAuth.ts";

export interface LoadedConfig {
  readonly config: KubeConfig;
  /** The context's namespace, or the pod's; "default" when neither says. */
  readonly namespace: string;
  /** e.g. `context "ci" (--context), cluster "ci", user "robot" (exec plugin)`. */
  readonly description: string;
}

type ClientNode = typeof import("@kubernetes/client-node");
let clientNode: ClientNode | undefined;

/**
 * client-node, loaded on first use: it is ~55 MB of JavaScript (generated API models
 * included), 0.7 s and ~50 MB of memory at start-up that file mode never needs. Bun's
 * require() loads the ES module synchronously, so loading stays synchronous.
 */
function newKubeConfig(): KubeConfig {
  clientNode ??= require("@kubernetes/client-node") as ClientNode;
  return new clientNode.KubeConfig();
}

interface RawUser {
  readonly name?: unknown;
  readonly user?: { readonly tokenFile?: unknown } | null;
}

interface ExecSpec {
  readonly command?: unknown;
}

/** The user's kubeconfig `tokenFile`s by user name, resolved against the file's directory. */
function tokenFilesOf(file: string, text: string): Map<string, string> {
  const parsed = parseYaml(text) as { users?: unknown } | null;
  const users = Array.isArray(parsed?.users) ? (parsed.users as RawUser[]) : [];
  const found = new Map<string, string>();
  for (const u of users) {
    const path = u?.user?.tokenFile;
    if (typeof u?.name === "string" && typeof path === "string" && path !== "") found.set(u.name, isAbsolute(path) ? path : join(dirname(file), path));
  }
  return found;
}

/** client-go resolves an exec command with a path separator against the kubeconfig's directory; a bare name is looked up on PATH. */
function withExecResolved(user: User, file: string): User {
  const exec = user.exec as ExecSpec | null | undefined;
  const command = exec?.command;
  if (typeof command !== "string" || isAbsolute(command) || !command.includes(sep)) return user;
  return { ...user, exec: { ...exec, command: join(dirname(file), command) } };
}

function addFirst<T extends { readonly name: string }>(into: T[], items: readonly T[]): void {
  for (const item of items) if (!into.some((known) => known.name === item.name)) into.push(item);
}

/** Merges kubeconfig files by kubectl's rules and selects `context` (default: the merged current-context). */
export function loadKubeconfigFiles(files: readonly string[], context: string | undefined): LoadedConfig {
  const clusters: Cluster[] = [];
  const users: User[] = [];
  const contexts: Context[] = [];
  const tokenFiles = new Map<string, string>();
  let current = "";
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    // kubectl reads an empty file as an empty configuration; client-node would throw.
    if (text.trim() === "") continue;
    const one = newKubeConfig();
    try {
      // loadFromFile (not loadFromString) makes certificate paths absolute for this file.
      one.loadFromFile(file);
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}`);
    }
    addFirst(clusters, one.getClusters());
    addFirst(users, one.getUsers().map((u) => withExecResolved(u, file)));
    addFirst(contexts, one.getContexts());
    for (const [name, path] of tokenFilesOf(file, text)) if (!tokenFiles.has(name)) tokenFiles.set(name, path);
    if (current === "" && typeof one.getCurrentContext() === "string") current = one.getCurrentContext();
  }
  const where = files.join(", ");
  const chosen = context ?? current;
  if (chosen === "") throw new Error(`${where}: no current-context is set; pass --context (one of: ${contexts.map((c) => c.name).join(", ") || "none"})`);
  const selected = contexts.find((c) => c.name === chosen);
  if (selected === undefined) throw new Error(`${where}: no context named ${JSON.stringify(chosen)} (contexts: ${contexts.map((c) => c.name).join(", ") || "none"})`);
  const cluster = clusters.find((c) => c.name === selected.cluster);
  if (cluster === undefined) throw new Error(`${where}: context ${JSON.stringify(chosen)} names cluster ${JSON.stringify(selected.cluster)}, which is not defined`);
  // kubectl refuses a context whose user is missing rather than going anonymous.
  const user = selected.user === undefined ? undefined : users.find((u) => u.name === selected.user);
  if (selected.user !== undefined && user === undefined) throw new Error(`${where}: context ${JSON.stringify(chosen)} names user ${JSON.stringify(selected.user)}, which is not defined`);

  const config = newKubeConfig();
  config.loadFromOptions({ clusters, users, contexts, currentContext: chosen });
  const ownTokenFiles = new Map([...tokenFiles].filter(([name]) => users.some((u) => u.name === name)));
  if (ownTokenFiles.size > 0) config.addAuthenticator(new TokenFileAuth(ownTokenFiles));
  return {
    config,
    namespace: selected.namespace ?? "default",
    description: `context ${JSON.stringify(chosen)}${context === undefined ? "" : " (--context)"}, cluster ${JSON.stringify(cluster.name)} ${cluster.server}, user ${user === undefined ? "none (anonymous)" : `${JSON.stringify(user.name)} (${userKind(user, tokenFiles.has(user.name))})`}`,
  };
}

/** The pod's service account, by client-node's in-cluster loader (its token file is re-read every minute). */
export function loadInClusterConfig(pathPrefix = ""): LoadedConfig {
  const config = newKubeConfig();
  config.loadFromCluster(pathPrefix);
  const cluster = config.getCurrentCluster();
  const namespace = config.getContextObject(config.getCurrentContext())?.namespace?.trim();
  return { config, namespace: namespace === undefined || namespace === "" ? "default" : namespace, description: `in-cluster ${cluster?.server ?? "?"}, the pod's service account` };
}

function userKind(user: User, tokenFile: boolean): string {
  if (user.exec !== undefined && user.exec !== null) return "exec plugin";
  const provider = (user.authProvider as { name?: unknown } | null | undefined)?.name;
  if (typeof provider === "string") return `auth-provider ${provider}`;
  if (typeof user.token === "string" && user.token !== "") return "token";
  if (tokenFile) return "token file";
  if ((user.certFile ?? user.certData ?? "") !== "") return "client certificate";
  if (typeof user.username === "string" && user.username !== "") return "basic auth";
  return "no credentials";
}
