// Strict loading in file mode: manifests are checked against their CRDs' own OpenAPI
// schemas (proxy/sources/normalize/schemas/, from the pinned modules) the way
// `kubectl apply` checks them. A refused object is left out with one error per field
// (file, object, path) and routes nothing; the other objects load.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { buildRouteTable, lookupRoute } from "../../../../proxy/dataplane/routeTable.ts";
import { Logger } from "../../../../proxy/lib/log.ts";
import { Metrics } from "../../../../proxy/lib/metrics.ts";
import type { Plan } from "../../../../proxy/model/plan.ts";
import type { Snapshot } from "../../../../proxy/model/snapshot.ts";
import { loadFileSnapshot, startFileSource } from "../../../../proxy/sources/file/fileSource.ts";
import { normalizeObjects } from "../../../../proxy/sources/normalize/normalize.ts";
import { translate } from "../../../../proxy/translate/translate.ts";

const distDir = join(import.meta.dir, "..", "..", "..", "..", "dist");
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A manifests directory with the given files, and an endpoints file beside it. */
function world(files: Record<string, string>): { manifests: string; endpoints: string } {
  const dir = mkdtempSync(join(tmpdir(), "courier-strict-"));
  dirs.push(dir);
  const manifests = join(dir, "manifests");
  mkdirSync(manifests);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(manifests, name), text);
  const endpoints = join(dir, "endpoints.yaml");
  writeFileSync(
    endpoints,
    `services:
  - {name: api-service, ports: [{port: 443, endpoints: ["10.0.0.1:8443"]}]}
  - {name: database-service, ports: [{port: 5432, endpoints: ["10.0.0.2:5432"]}]}
  - {name: internal-service, ports: [{port: 443, endpoints: ["10.0.0.3:8443"]}]}
`,
  );
  return { manifests, endpoints };
}

const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: courier
spec:
  controllerName: courier.dev/gateway-controller
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: tls-gateway
  namespace: default
spec:
  gatewayClassName: courier
  listeners:
  - name: tls
    protocol: TLS
    port: 443
    tls:
      mode: Passthrough
    allowedRoutes:
      namespaces:
        from: Same
`;

/** The seed's multi-hostname TLSRoute as it was written: SNI matches per rule, no spec.hostnames. */
function seedRoute(apiVersion: string): string {
  return `apiVersion: ${apiVersion}
kind: TLSRoute
metadata:
  name: multi-hostname-route
  namespace: default
spec:
  parentRefs:
  - name: tls-gateway
  rules:
  - matches:
    - snis: [api.example.com]
    backendRefs:
    - name: api-service
      port: 443
  - matches:
    - snis: [db.example.com]
    backendRefs:
    - name: database-service
      port: 5432
  - matches:
    - snis: ["*.internal.example.com"]
    backendRefs:
    - name: internal-service
      port: 443
`;
}

/** A well-formed route in the same files, which must keep loading and routing. */
const GOOD_ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata:
  name: secure
  namespace: default
spec:
  parentRefs:
  - name: tls-gateway
  hostnames: [secure.example.com]
  rules:
  - backendRefs:
    - name: api-service
      port: 443
`;

/** Where a connection with this SNI on the Gateway's port 443 goes: its backends' names, or undefined. */
function landing(plan: Plan, serverName: string): string[] | undefined {
  const port = plan.ports.find((p) => p.port === 443);
  if (port === undefined) return undefined;
  return lookupRoute(buildRouteTable(port.hosts), serverName)?.backends.map((backend) => backend.name);
}

describe("strict loading: the seed's multi-hostname TLSRoute", () => {
  test.each(["gateway.networking.k8s.io/v1alpha2", "gateway.networking.k8s.io/v1"])("%s: refused with an error naming matches and the hint; api.example.com routes nowhere", async (apiVersion) => {
    const files = world({ "gateway.yaml": GATEWAY, "routes.yaml": `${seedRoute(apiVersion)}---\n${GOOD_ROUTE}` });
    const { snapshot, errors } = await loadFileSnapshot(files);
    const source = `${join(files.manifests, "routes.yaml")}#1`;
    const hint = "TLSRoute has no matches; put the names in spec.hostnames and use one TLSRoute per hostname group";
    for (const rule of [0, 1, 2]) {
      expect(errors).toContain(`TLSRoute default/multi-hostname-route (${source}): spec.rules[${rule}].matches: unknown field; ${hint}`);
    }
    if (apiVersion.endsWith("/v1")) {
      // v1 also says what the API server would: hostnames are required, one rule only.
      expect(errors).toContain(`TLSRoute default/multi-hostname-route (${source}): spec.hostnames: is required`);
      expect(errors.some((e) => e.includes("spec.rules: must list exactly 1 item, got 3; TLSRoute v1 takes exactly one rule"))).toBe(true);
    }
    // Every error is the refused route's: the Gateway, the class and the good route load.
    expect(errors.every((e) => e.startsWith("TLSRoute default/multi-hostname-route "))).toBe(true);
    expect(snapshot.tlsRoutes.map((route) => route.meta.name)).toEqual(["secure"]);
    expect(snapshot.gateways.map((gateway) => gateway.meta.name)).toEqual(["tls-gateway"]);

    const plan = translate(snapshot, { assumeClassesOurs: true });
    for (const name of ["api.example.com", "db.example.com", "x.internal.example.com"]) expect(landing(plan, name)).toBeUndefined();
    expect(landing(plan, "secure.example.com")).toEqual(["Service default/api-service:443"]);
  });

  test("without strict loading the same file misroutes (the bug strict loading prevents)", async () => {
    const files = world({ "gateway.yaml": GATEWAY, "routes.yaml": seedRoute("gateway.networking.k8s.io/v1alpha2") });
    const lenient = normalizeObjects(
      ["gateway.yaml", "routes.yaml"].flatMap((file) => parseAllDocuments(readFileSync(join(files.manifests, file), "utf8")).map((doc) => ({ object: doc.toJS() as unknown, source: file }))),
    );
    expect(lenient.errors).toEqual([]);
    const backends = landing(translate(lenient.snapshot, { assumeClassesOurs: true }), "api.example.com");
    // matches dropped: no hostnames, so every SNI gets all three rules' backends.
    expect(backends).toContain("Service default/database-service:5432");
  });
});

describe("strict loading: unknown fields, wrong types, out-of-range values", () => {
  const gateway = (name: string, listener: string, extra = "") => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${name}
  namespace: default${extra}
spec:
  gatewayClassName: courier
  listeners:
  - ${listener}
`;

  test("each refused with file, object and path; the others load", async () => {
    const files = world({
      "a-unknown.yaml": gateway("unknown-field", "{name: tls, protocol: TLS, port: 443, hostnme: a.example.com, tls: {mode: Passthrough}}"),
      "b-type.yaml": gateway("wrong-type", '{name: tls, protocol: TLS, port: "443", tls: {mode: Passthrough}}'),
      "c-range.yaml": `${GATEWAY}---\n${gateway("port-range", "{name: tls, protocol: TLS, port: 70000, tls: {mode: Passthrough}}")}`,
      "d-meta.yaml": gateway("meta", "{name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}}", "\n  labelz: {team: a}"),
      "e-good.yaml": gateway("good", "{name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}}"),
    });
    const { snapshot, errors } = await loadFileSnapshot(files);
    const at = (file: string, doc = 1) => `${join(files.manifests, file)}#${doc}`;
    expect(errors).toEqual([
      `Gateway default/unknown-field (${at("a-unknown.yaml")}): spec.listeners[0].hostnme: unknown field; did you mean hostname?`,
      `Gateway default/wrong-type (${at("b-type.yaml")}): spec.listeners[0].port: must be an integer, got "443"`,
      `Gateway default/port-range (${at("c-range.yaml", 3)}): spec.listeners[0].port: must be between 1 and 65535, got number 70000`,
      `Gateway default/meta (${at("d-meta.yaml")}): metadata.labelz: unknown field; did you mean labels?`,
    ]);
    expect(snapshot.gateways.map((g) => g.meta.name)).toEqual(["good", "tls-gateway"]);
    expect(snapshot.gatewayClasses.map((c) => c.meta.name)).toEqual(["courier"]);
  });

  test("every refused field of one object is named; enums, required fields, duplicate list keys and lists of kubectl get", async () => {
    const files = world({
      "list.yaml": `apiVersion: v1
kind: List
items:
- apiVersion: gateway.networking.k8s.io/v1
  kind: Gateway
  metadata: {name: many, namespace: default}
  spec:
    gatewayClassName: courier
    listeners:
    - {name: a, protocol: TLS, port: 443, tls: {mode: passthrough}}
    - {name: a, port: 8443, tls: {mode: Passthrough}}
- apiVersion: gateway.networking.k8s.io/v1
  kind: TLSRoute
  metadata: {name: r, namespace: default}
  spec:
    hostnames: [a.example.com]
    rules: [{backendRefs: [{name: api-service, port: 443, weight: -1}]}]
`,
    });
    const { errors } = await loadFileSnapshot(files);
    const where = `(${join(files.manifests, "list.yaml")}#1)`;
    expect(errors).toEqual([
      `Gateway default/many ${where}: spec.listeners[0].tls.mode: must be one of "Terminate", "Passthrough", got "passthrough"; Courier passes TLS through: tls: {mode: Passthrough}`,
      `Gateway default/many ${where}: spec.listeners[1].protocol: is required`,
      `Gateway default/many ${where}: spec.listeners[1]: duplicate entry: item 0 has the same name "a"`,
      `TLSRoute default/r ${where}: spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000, got number -1`,
    ]);
  });

  test("null fields count as absent, as the API server treats them; a version the CRDs lack is refused", async () => {
    const files = world({
      "nulls.yaml": `apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: nulls, namespace: default, creationTimestamp: null, labels: null}
spec:
  parentRefs: [{name: tls-gateway, sectionName: null}]
  hostnames: [a.example.com]
  rules: [{name: null, backendRefs: [{name: api-service, port: 443}]}]
`,
      "version.yaml": `apiVersion: gateway.networking.k8s.io/v2
kind: TLSRoute
metadata: {name: future, namespace: default}
spec: {hostnames: [a.example.com], rules: [{backendRefs: [{name: api-service, port: 443}]}]}
`,
    });
    const { snapshot, errors } = await loadFileSnapshot(files);
    expect(errors).toEqual([`TLSRoute default/future (${join(files.manifests, "version.yaml")}#1): apiVersion: TLSRoute has no version "v2" in sigs.k8s.io/gateway-api v1.6.3 (it has v1, v1alpha2, v1alpha3)`]);
    expect(snapshot.tlsRoutes.map((route) => route.meta.name)).toEqual(["nulls"]);
  });

  test("core kinds and kinds Courier does not read are left to normalize: a Deployment's fields are not its business", async () => {
    const files = world({
      "other.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: x, namespace: default, anything: goes}
spec: {whatever: 1}
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: default}
spec: {ports: [{port: 443}], futureField: true}
---
apiVersion: v1
kind: Service
metadata: {name: bad-port, namespace: default}
spec: {ports: [{port: 0}]}
`,
    });
    const { errors } = await loadFileSnapshot(files);
    expect(errors).toEqual([`Service default/bad-port (${join(files.manifests, "other.yaml")}#3): spec.ports[0].port: must be between 1 and 65535, got 0`]);
  });
});

describe("strict loading: what is valid loads", () => {
  test("every chart in dist/ loads through the file source with zero errors", async () => {
    const { snapshot, errors } = await loadFileSnapshot({ manifests: distDir });
    expect(errors).toEqual([]);
    expect(snapshot.gateways.length).toBeGreaterThanOrEqual(9);
    expect(snapshot.tlsRoutes.length).toBeGreaterThanOrEqual(10);
    expect(snapshot.gatewayClasses.length).toBeGreaterThanOrEqual(1);
  });
});

describe("strict loading: start-up and reload", () => {
  test("at start the valid part is served; a reload with a refused object is refused whole; a fixed one loads", async () => {
    const files = world({ "gateway.yaml": GATEWAY, "routes.yaml": `${seedRoute("gateway.networking.k8s.io/v1alpha2")}---\n${GOOD_ROUTE}` });
    const lines: string[] = [];
    const snapshots: Snapshot[] = [];
    const until = async (what: string, done: () => boolean): Promise<void> => {
      for (const started = Date.now(); !done(); await Bun.sleep(25)) if (Date.now() - started > 20_000) throw new Error(`timed out waiting for ${what}`);
    };
    const source = await startFileSource(files, new Logger("warn", (line) => lines.push(line)), new Metrics(), (snapshot) => snapshots.push(snapshot));
    try {
      expect(snapshots.length).toBe(1);
      expect(snapshots[0]!.tlsRoutes.map((route) => route.meta.name)).toEqual(["secure"]);
      expect(lines.some((line) => line.includes("spec.rules[0].matches: unknown field"))).toBe(true);

      // A second route with an unknown field: the whole reload is refused.
      writeFileSync(join(files.manifests, "more.yaml"), GOOD_ROUTE.replace("name: secure", "name: more").replace("secure.example.com", "more.example.com").replace("port: 443", "port: 443\n      wieght: 5"));
      await until("the reload to be refused", () => lines.some((line) => line.includes("keeping the last good configuration")));
      expect(snapshots.length).toBe(1);
      expect(lines.some((line) => line.includes("spec.rules[0].backendRefs[0].wieght: unknown field; did you mean weight?"))).toBe(true);

      // Fixed, and the seed route rewritten as one TLSRoute per hostname group: all load.
      writeFileSync(join(files.manifests, "more.yaml"), GOOD_ROUTE.replace("name: secure", "name: more").replace("secure.example.com", "more.example.com"));
      writeFileSync(join(files.manifests, "routes.yaml"), `${GOOD_ROUTE}---\n${GOOD_ROUTE.replace("name: secure", "name: api").replace("secure.example.com", "api.example.com")}`);
      await until("a new Snapshot", () => snapshots.at(-1)?.tlsRoutes.length === 3);
      const last = snapshots.at(-1)!;
      expect(last.tlsRoutes.map((route) => route.meta.name)).toEqual(["api", "more", "secure"]);
      expect(landing(translate(last, { assumeClassesOurs: true }), "api.example.com")).toEqual(["Service default/api-service:443"]);
    } finally {
      await source.stop();
    }
  });
});
