// A complete file-mode world for end-to-end tests: a CA, real TLS backends, a
// Gateway on a free port, routes and endpoints, and the proxy process serving them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPki, type Pki } from "../../demo/pki.ts";
import { freePort } from "./ports.ts";
import { startProxy, type ProxyProcess } from "./proxyProcess.ts";
import { COURIER_CLASS, gatewayManifest, routeManifest, writeScenario, type EndpointsEntry, type RouteSpec } from "./manifests.ts";
import { startTlsBackend, type TlsBackend } from "../../demo/tlsBackend.ts";
import { hostPort } from "../../proxy/lib/hostPort.ts";

export interface BackendSpec {
  /** Backend (and Service) name; the backend greets clients with it. */
  readonly name: string;
  /** Names on its certificate. */
  readonly dnsNames: readonly string[];
}

export interface ScenarioSpec {
  readonly backends: readonly BackendSpec[];
  readonly routes: readonly RouteSpec[];
  /** Extra Services (e.g. with dead ports); each backend is added as Service <name>:443 automatically. */
  readonly extraEndpoints?: (backends: ReadonlyMap<string, TlsBackend>) => readonly EndpointsEntry[];
  /** Endpoints of a backend's Service; default: the backend itself. */
  readonly endpointsFor?: (backend: TlsBackend, all: ReadonlyMap<string, TlsBackend>) => readonly string[];
  readonly proxyArgs?: readonly string[];
  /** Environment variables for the proxy process. */
  readonly env?: Readonly<Record<string, string>>;
  /** Where the proxy listens and the backends serve (default 127.0.0.1; "::1" for IPv6). */
  readonly host?: string;
}

export interface Scenario {
  readonly dir: string;
  readonly pki: Pki;
  readonly backends: ReadonlyMap<string, TlsBackend>;
  readonly proxy: ProxyProcess;
  /** The proxy's listening port (Gateway port 443 plus the offset). */
  readonly port: number;
  readonly files: { readonly manifests: string; readonly endpoints: string };
  /** Rewrites the manifests and endpoints (the proxy hot-reloads them). */
  rewrite(routes: readonly RouteSpec[], extraEndpoints?: readonly EndpointsEntry[]): void;
  close(): Promise<void>;
}

export async function startScenario(spec: ScenarioSpec): Promise<Scenario> {
  const dir = mkdtempSync(join(tmpdir(), "courier-e2e-"));
  const pki = createPki(join(dir, "pki"));
  const backends = new Map<string, TlsBackend>();
  const host = spec.host ?? "127.0.0.1";
  for (const b of spec.backends) backends.set(b.name, await startTlsBackend(b.name, pki.issue(b.name, b.dnsNames), host));
  const port = await freePort(host);
  const offset = port - 443;

  const write = (routes: readonly RouteSpec[], extra: readonly EndpointsEntry[]): { manifests: string; endpoints: string } => {
    const objects = [COURIER_CLASS, gatewayManifest("gw", [{ name: "tls", port: 443 }]), ...routes.map(routeManifest)];
    const endpoints: EndpointsEntry[] = [...backends.values()].map((b) => ({
      name: b.name,
      port: 443,
      endpoints: spec.endpointsFor?.(b, backends) ?? [hostPort(b.host, b.port)],
    }));
    return writeScenario(dir, objects, [...endpoints, ...extra]);
  };
  const extraEndpoints = spec.extraEndpoints?.(backends) ?? [];
  const files = write(spec.routes, extraEndpoints);
  let proxy: ProxyProcess;
  try {
    proxy = await startProxy(["--manifests", files.manifests, "--endpoints", files.endpoints, "--port-offset", String(offset), "--listen-address", host, ...(spec.proxyArgs ?? [])], undefined, spec.env);
  } catch (error) {
    for (const b of backends.values()) await b.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    pki,
    backends,
    proxy,
    port,
    files,
    rewrite: (routes, extra) => void write(routes, extra ?? extraEndpoints),
    async close() {
      await proxy.stop();
      for (const b of backends.values()) await b.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A loopback port with nothing listening: connections to it are refused. */
export async function deadEndpoint(): Promise<string> {
  return `127.0.0.1:${await freePort()}`;
}
