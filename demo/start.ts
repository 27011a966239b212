// `npm start`: the whole product on one machine, no cluster. Reads the synthesized
// manifests in dist/, starts one real TLS backend per Service they route to (with a
// certificate for that route's hostnames, signed by a local demo CA), writes the
// endpoints file for them, runs the proxy in file mode on loopback, and prints the
// openssl commands to try.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { readManifestDir } from "../proxy/manifestFiles.ts";
import { normalizeObjects } from "../proxy/normalize.ts";
import { createPki } from "./pki.ts";
import { startTlsBackend, type TlsBackend } from "./tlsBackend.ts";

const root = resolve(import.meta.dir, "..");
const manifests = resolve(root, process.env.COURIER_DEMO_MANIFESTS ?? "dist");
const portOffset = Number(process.env.COURIER_DEMO_PORT_OFFSET ?? 8000);
const work = join(root, ".cache", "demo");

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const { snapshot } = normalizeObjects((await readManifestDir(manifests)).objects);

// Which hostnames each Service is reached by, so its certificate can name them.
const services = new Map<string, { namespace: string; name: string; port: number; hostnames: Set<string> }>();
for (const route of snapshot.tlsRoutes) {
  for (const rule of route.rules) {
    for (const ref of rule.backendRefs) {
      if (ref.group !== "" || ref.kind !== "Service" || ref.port === undefined) continue;
      const namespace = ref.namespace ?? route.meta.namespace;
      const key = `${namespace}/${ref.name}:${ref.port}`;
      const entry = services.get(key) ?? { namespace, name: ref.name, port: ref.port, hostnames: new Set<string>() };
      for (const h of route.hostnames) entry.hostnames.add(h);
      services.set(key, entry);
    }
  }
}

const pki = createPki(join(work, "pki"), "Courier Demo CA");
const backends: TlsBackend[] = [];
const endpoints: { namespace: string; name: string; ports: { port: number; endpoints: string[] }[] }[] = [];
for (const [key, service] of services) {
  const names = [...service.hostnames];
  if (names.length === 0) continue;
  const backend = await startTlsBackend(key, pki.issue(`${service.namespace}-${service.name}-${service.port}`, names));
  backends.push(backend);
  endpoints.push({ namespace: service.namespace, name: service.name, ports: [{ port: service.port, endpoints: [`${backend.host}:${backend.port}`] }] });
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

const bun = resolve(root, "node_modules/.bin/bun");
const proxy = spawn(bun, [resolve(root, "proxy/bin/courier.ts"), "serve", "--manifests", manifests, "--endpoints", endpointsFile, "--port-offset", String(portOffset), "--listen-address", "127.0.0.1", "--admin", "127.0.0.1:9090"], { stdio: ["ignore", "inherit", "pipe"] });
let announced = false;
proxy.stderr!.on("data", (chunk: Buffer) => {
  process.stderr.write(chunk);
  if (!announced && chunk.toString().includes(" ready")) {
    announced = true;
    process.stdout.write(`\nCourier is serving ${manifests} on 127.0.0.1 (listener ports + ${portOffset}), ${backends.length} demo TLS backends behind it.\nEach backend greets you with its Service name, under its own certificate (nothing is decrypted).\nTry:\n\n${[...new Set(tries)].map((t) => `  ${t}`).join("\n")}\n\nStatus page: http://127.0.0.1:9090/   Stop with Ctrl-C.\n\n`);
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
