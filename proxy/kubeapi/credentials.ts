// How each request to the API server authenticates, taken from @kubernetes/client-node's
// KubeConfig at the time of the request: headers (bearer token from a static token, a
// token file, an exec plugin or an auth-provider such as OIDC; basic auth;
// impersonation) and TLS material (CA, client certificate and key, re-read from their
// files so rotated certificates are picked up; tls-server-name; insecure-skip-tls-verify),
// plus the cluster's proxy-url. Courier's own fetch transport sends the request: under
// Bun, client-node's node:https agents silently bypass proxy-url (see
// test/cluster/clientNodeTransport.test.ts).
import type { RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { loadInClusterConfig, loadKubeconfigFiles, type LoadedConfig } from "./kubeconfig.ts";
import type { KubeconfigLocation } from "./kubeconfigLocation.ts";

/** What one request carries: Bun's fetch options for the API server. */
export interface RequestAuth {
  /** https://host:port, no trailing slash. */
  readonly server: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly tls: BunFetchRequestInitTLS;
  /** The kubeconfig's proxy-url; undefined = Bun's default (HTTPS_PROXY and friends, as client-go). */
  readonly proxy: Bun.FetchProxyOption | undefined;
}

export interface KubeCredentials {
  /** The API server, as configured when loaded (for logs). */
  readonly server: string;
  /** The namespace of the context, or the pod's. */
  readonly namespace: string;
  /** Which context, cluster and kind of user: for the start-up log. */
  readonly description: string;
  /** Headers, TLS material and proxy for one request, computed now. */
  forRequest(): Promise<RequestAuth>;
  /** The API server answered 401: the credential in use is stale. */
  rejected(): void;
}

/**
 * A 401 reloads the configuration at most this often. client-node keeps an exec
 * credential until its expirationTimestamp; client-go drops it on a 401 (a revoked
 * token, a plugin that sets no expiry). A fresh KubeConfig has empty caches, so its
 * plugin runs again; the kubeconfig files are read again too.
 */
const RELOAD_ON_401_MS = 5_000;

/** Credentials that recompute everything per request from the KubeConfig `load` returns. */
export function credentialsFrom(load: () => LoadedConfig, now: () => number = Date.now): KubeCredentials {
  let loaded = load();
  let loadedAt = now();
  checkProxy(loaded.config);
  // Concurrent requests share one computation: at start-up a dozen lists and watches
  // would otherwise run an uncached exec plugin a dozen times at once.
  let inFlight: Promise<RequestAuth> | undefined;
  return {
    server: serverOf(loaded.config),
    namespace: loaded.namespace,
    description: loaded.description,
    forRequest() {
      inFlight ??= requestAuth(loaded.config).finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    rejected() {
      if (now() - loadedAt < RELOAD_ON_401_MS) return;
      loadedAt = now();
      try {
        loaded = load();
        checkProxy(loaded.config);
      } catch {
        // A kubeconfig broken since start-up: keep the configuration that worked; the
        // next 401 tries again.
      }
    },
  };
}

/** Credentials for a located configuration (see kubeconfigLocation.ts) and --context. */
export function loadCredentials(location: KubeconfigLocation, context: string | undefined): KubeCredentials {
  if (location.kind === "in-cluster") return loadInCluster();
  return loadKubeconfig(location.files, context);
}

/** One kubeconfig file, or several merged as KUBECONFIG does. */
export function loadKubeconfig(files: string | readonly string[], context?: string): KubeCredentials {
  const list = typeof files === "string" ? [files] : files;
  return credentialsFrom(() => loadKubeconfigFiles(list, context));
}

/** The pod's service account; `pathPrefix` roots /var/run/secrets elsewhere (tests). */
export function loadInCluster(pathPrefix = ""): KubeCredentials {
  if (process.env.KUBERNETES_SERVICE_HOST === undefined) throw new Error("not in a cluster: KUBERNETES_SERVICE_HOST is not set; pass --kubeconfig FILE");
  return credentialsFrom(() => loadInClusterConfig(pathPrefix));
}

function serverOf(config: KubeConfig): string {
  const cluster = config.getCurrentCluster();
  if (cluster === null) throw new Error("the kubeconfig's current context names no cluster");
  return cluster.server;
}

/** Bun's fetch speaks HTTP(S) proxies only: a SOCKS proxy-url is refused at start, not bypassed. */
function checkProxy(config: KubeConfig): void {
  const proxy = config.getCurrentCluster()?.proxyUrl;
  if (proxy !== undefined && proxy !== "" && !/^https?:\/\//i.test(proxy)) {
    throw new Error(`proxy-url ${proxy}: only http:// and https:// proxies are supported (Bun's fetch has no SOCKS support)`);
  }
}

async function requestAuth(config: KubeConfig): Promise<RequestAuth> {
  const opts: RequestOptions = {};
  // Runs the exec plugin or auth-provider when its cached credential has expired,
  // reads token, CA and certificate files, sets servername and rejectUnauthorized.
  await config.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(opts.headers ?? {})) {
    if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  if (typeof opts.auth === "string" && opts.auth !== "") headers.authorization = `Basic ${Buffer.from(opts.auth).toString("base64")}`;
  const cluster = config.getCurrentCluster();
  const proxyUrl = cluster?.proxyUrl;
  return {
    server: serverOf(config),
    headers,
    tls: {
      ca: pem(opts.ca),
      cert: pem(opts.cert),
      key: pem(opts.key),
      // client-node sets rejectUnauthorized only for insecure-skip-tls-verify.
      rejectUnauthorized: opts.rejectUnauthorized !== false,
      serverName: opts.servername ?? undefined,
    },
    // proxy-url applies to every request to this cluster, NO_PROXY or not (as in client-go).
    proxy: proxyUrl === undefined || proxyUrl === "" ? undefined : { url: proxyUrl, respectNoProxy: false },
  };
}

/** PEM text from what node:https options hold (a string, a Buffer, or a list of them). */
function pem(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  if (Array.isArray(value)) return value.map((v) => pem(v) ?? "").join("\n");
  return undefined;
}
