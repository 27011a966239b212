// `npm start`: the whole product on one machine, no cluster. Reads the synthesized
// manifests in dist/, starts one real TLS backend per Service they route to (with a
// certificate for that route's hostnames, signed by a local demo CA), writes the
// endpoints file for them, runs the proxy in file mode on loopback, and prints the
// openssl commands to try.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { MCS_API_GROUP } from "../contract/index.ts";
import { readManifestDir } from "../proxy/sources/file/manifestFiles.ts";
import { normalizeObjects } from "../proxy/sources/normalize/normalize.ts";
import { createPki } from "./pki.ts";
import { startTlsBackend, type TlsBackend } from "./tlsBackend.ts";

const root = resolve(import.meta.dir, "..");
const manifests = resolve(root, process.env.COURIER_DEMO_MANIFESTS ?? "dist");
const portOffset = Number(process.env.COURIER_DEMO_PORT_OFFSET ?? 8000);
const admin = process.env.COURIER_DEMO_ADMIN ?? "127.0.0.1:9090";
const work = resolve(root, process.env.COURIER_DEMO_DIR ?? join(".cache", "demo"));

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const { snapshot } = normalizeObjects((await readManifestDir(manifests)).objects);

// Which hostnames each Service (or ServiceImport) is reached by, so its certificate can name them.
type Kind = "Service" | "ServiceImport";
const services = new Map<string, { kind: Kind; namespace: string; name: string; port: number; hostnames: Set<string> }>();
for (const route of snapshot.tlsRoutes) {
  for (const rule of route.rules) {
    for (const ref of rule.backendRefs) {
      const kind: Kind | undefined = ref.group === "" && ref.kind === "Service" ? "Service" : ref.group === MCS_API_GROUP && ref.kind === "ServiceImport" ? "ServiceImport" : undefined;
      if (kind === undefined || ref.port === undefined) continue;
      const namespace = ref.namespace ?? route.meta.namespace;
      // A ServiceImport may share its name with a local Service (multi-cluster): keep both.
      const key = `${namespace}/${ref.name}:${ref.port}${kind === "ServiceImport" ? " (ServiceImport)" : ""}`;
      const entry = services.get(key) ?? { kind, namespace, name: ref.name, port: ref.port, hostnames: new Set<string>() };
      for (const h of route.hostnames) entry.hostnames.add(h);
      services.set(key, entry);
    }
  }
}

const pki = createPki(join(work, "pki"), "Courier Demo CA");
const backends: TlsBackend[] = [];
const endpoints: { kind: Kind; namespace: string; name: string; ports: { port: number; endpoints: string[] }[] }[] = [];
for (const [key, service] of services) {
  const names = [...service.hostnames];
  if (names.length === 0) continue;
  const backend = await startTlsBackend(key, pki.issue(`${service.namespace}-${service.name}-${service.port}${service.kind === "ServiceImport" ? "-import" : ""}`, names));
  backends.push(backend);
  endpoints.push({ kind: service.kind, namespace: service.namespace, name: service.name, ports: [{ port: service.port, endpoints: [`${backend.host}:${backend.port}`] }] });
}
const endpointsFile = join(work, "endpoints.yaml");
writeFileSync(endpointsFile, stringify({ services: endpoints }));

const tries: string[] = [];
for (const route of snapshot.tlsRoutes) {
  for (const parent of route.parentRefs) {
    const gateway = snapshot.gateways.find((g) => g.meta.name === parent.name && g.meta.namespace === (parent.namespace ?? route.meta.namespace));
    const listener = gateway?.listeners.find((l) => (parent.sectionName === undefined || l.name === parent.sectionName) && (parent.port === undefined || l.port === parent.port));
    if (listener === undefined) continue;
    for (const hostname of route.hostnames) {
      const sni = hostname.replace(/^\*\./, "x.");
      tries.push(`openssl s_client -connect 127.0.0.1:${listener.port + portOffset} -servername ${sni} -CAfile ${pki.caFile} -brief </dev/null`);
    }
  }
}

/** The seed's first example leads; the rest in a stable order. */
function bySecureFirst(a: string, b: string): number {
  const first = (t: string): number => (t.includes(" secure.example.com ") ? 0 : 1);
  return first(a) - first(b) || a.localeCompare(b);
}

const bun = resolve(root, "node_modules/.bin/bun");
const proxy = spawn(bun, [resolve(root, "proxy/bin/courier.ts"), "serve", "--manifests", manifests, "--endpoints", endpointsFile, "--port-offset", String(portOffset), "--listen-address", "127.0.0.1", "--admin", admin], { stdio: ["ignore", "inherit", "pipe"] });
let announced = false;
proxy.stderr!.on("data", (chunk: Buffer) => {
  process.stderr.write(chunk);
  if (!announced && chunk.toString().includes(" ready")) {
    announced = true;
    process.stdout.write(`\nCourier is serving ${manifests} on 127.0.0.1 (listener ports + ${portOffset}), ${backends.length} demo TLS backends behind it.\nEach backend greets you with its Service name, under its own certificate (nothing is decrypted).\nTry:\n\n${[...new Set(tries)].sort(bySecureFirst).map((t) => `  ${t}`).join("\n")}\n\n${admin === "off" ? "" : `Status page: http://${admin}/   `}Stop with Ctrl-C.\n\n`);
  }
});

const stop = async (): Promise<void> => {
  proxy.kill("SIGTERM");
  for (const b of backends) await b.close();
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
proxy.once("exit", async (code) => {
  for (const b of backends) await b.close();
  process.exit(code ?? 0);
});
