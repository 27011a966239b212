// How to reach and authenticate to a Kubernetes API server: from a kubeconfig file
// or from the pod's own service account. A token file is re-read periodically,
// because projected service-account tokens are rotated in place.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { parse as parseYaml } from "yaml";

export interface KubeCredentials {
  readonly server: string;
  /** PEM CA bundle to verify the server with; undefined = the system roots. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly insecureSkipTlsVerify?: boolean;
  /** The bearer token, if any; called per request (cheap: cached). */
  readonly token?: () => string;
  /** The namespace the process runs in (pod namespace, or the context's). */
  readonly namespace: string;
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const TOKEN_REREAD_MS = 60_000;

function tokenFromFile(file: string): () => string {
  let token = "";
  let readAt = -Infinity;
  return () => {
    const now = Date.now();
    if (now - readAt > TOKEN_REREAD_MS) {
      token = readFileSync(file, "utf8").trim();
      readAt = now;
    }
    return token;
  };
}

type Entry = Record<string, unknown>;

function named(list: unknown, name: unknown, what: string, file: string): Entry {
  const found = Array.isArray(list) ? (list as Entry[]).find((e) => e?.name === name) : undefined;
  if (found === undefined) throw new Error(`${file}: no ${what} named ${JSON.stringify(name)}`);
  return found;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Loads the current context of a kubeconfig file. */
export function loadKubeconfig(file: string): KubeCredentials {
  const config = parseYaml(readFileSync(file, "utf8")) as Entry;
  const contextName = config["current-context"];
  const context = named(config.contexts, contextName, "context", file).context as Entry;
  const cluster = named(config.clusters, context.cluster, "cluster", file).cluster as Entry;
  const user = (named(config.users, context.user, "user", file).user ?? {}) as Entry;
  const base = dirname(file);
  const read = (path: unknown): string | undefined => {
    const p = str(path);
    return p === undefined ? undefined : readFileSync(isAbsolute(p) ? p : join(base, p), "utf8");
  };
  const decode = (data: unknown): string | undefined => {
    const d = str(data);
    return d === undefined ? undefined : Buffer.from(d, "base64").toString("utf8");
  };
  const server = str(cluster.server);
  if (server === undefined) throw new Error(`${file}: cluster ${String(context.cluster)} has no server`);
  const staticToken = str(user.token);
  const tokenFile = str(user.tokenFile);
  return {
    server,
    ca: decode(cluster["certificate-authority-data"]) ?? read(cluster["certificate-authority"]),
    cert: decode(user["client-certificate-data"]) ?? read(user["client-certificate"]),
    key: decode(user["client-key-data"]) ?? read(user["client-key"]),
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    token: staticToken !== undefined ? () => staticToken : tokenFile !== undefined ? tokenFromFile(isAbsolute(tokenFile) ? tokenFile : join(base, tokenFile)) : undefined,
    namespace: str(context.namespace) ?? "default",
  };
}

/** The pod's service account, as every in-cluster client finds it. */
export function loadInCluster(dir = SERVICE_ACCOUNT_DIR): KubeCredentials {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? "443";
  if (host === undefined) throw new Error("not in a cluster: KUBERNETES_SERVICE_HOST is not set; pass --kubeconfig FILE");
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    ca: readFileSync(join(dir, "ca.crt"), "utf8"),
    token: tokenFromFile(join(dir, "token")),
    namespace: readFileSync(join(dir, "namespace"), "utf8").trim(),
  };
}
