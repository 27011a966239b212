// The construct library as a user gets it: `npm pack` (whose prepack builds lib/ with
// tsc) and the tarball's file list; then a fresh project outside the repository that
// installs the tarball and its peers with plain npm, gets no Bun and no proxy package,
// type-checks against the shipped .d.ts, synthesizes through the public API with plain
// `node`, and sees a validation error fail the synth with the construct's message.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { runtimePackages } from "../../scripts/image/runtimePackages.ts";

const root = resolve(import.meta.dir, "../..");
type Manifest = {
  name: string;
  main?: string;
  types?: string;
  type?: string;
  exports?: Record<string, unknown>;
  bin?: unknown;
  files?: string[];
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  workspaces?: string[];
};
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Manifest;
const PEERS = ["cdk8s", "constructs", "cdk8s-plus-33"];

let work: string;
let project: string;
let tarball: string;
let packedFiles: string[];
let installSeconds: number;

/** npm and node with the environment of a user's shell: no npm_* settings of an enclosing `npm test`. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^npm_/i.test(key) || key === "NODE_ENV" || key === "NODE_PATH") continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function run(command: string, args: readonly string[], cwd: string, timeout = 240_000): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: "utf8", env: userEnv(), timeout, maxBuffer: 64 * 1024 * 1024 });
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Bytes under a directory, as `du` counts them (apparent size). */
function diskBytes(dir: string): number {
  return Number(ok(spawnSync("du", ["-sb", dir], { encoding: "utf8" }), "du").split("\t")[0]);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "courier-pack-"));
  // stdout carries the JSON; prepack's own output goes to stderr.
  const out = ok(run("npm", ["pack", "--json", "--pack-destination", work], root), "npm pack");
  const packed = (JSON.parse(out.slice(out.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
  tarball = join(work, packed.filename);
  packedFiles = packed.files.map((f) => f.path).sort();

  project = join(work, "app");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), `${JSON.stringify({ name: "courier-user", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`);
  const peers = PEERS.map((name) => `${name}@${manifest.devDependencies?.[name]}`);
  const started = Date.now();
  ok(run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball, ...peers], project), "npm install");
  installSeconds = (Date.now() - started) / 1000;
}, 300_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe("package.json", () => {
  test("is an ESM library: exports map, types, main, engines; no bin", () => {
    expect(manifest.type).toBe("module");
    expect(manifest.main).toBe("./lib/src/index.js");
    expect(manifest.types).toBe("./lib/src/index.d.ts");
    expect(manifest.exports?.["."]).toEqual({ types: "./lib/src/index.d.ts", import: "./lib/src/index.js", default: "./lib/src/index.js" });
    expect(manifest.engines?.node).toBe(">=20");
    // The proxy's CLI is TypeScript run by Bun: it ships as the image, not as an npm bin.
    expect(manifest.bin).toBeUndefined();
  });

  test("cdk8s, constructs and cdk8s-plus-33 are peers whose ranges hold the pinned dev copies; nothing else is installed for users", () => {
    expect(manifest.dependencies).toBeUndefined();
    for (const name of PEERS) {
      const range = manifest.peerDependencies?.[name];
      const pinned = manifest.devDependencies?.[name];
      expect(range).toMatch(/^\^\d+\.\d+\.\d+$/);
      expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
      expect(Bun.semver.satisfies(pinned!, range!)).toBe(true);
    }
    expect(Object.keys(manifest.peerDependencies ?? {}).sort()).toEqual([...PEERS].sort());
    expect(manifest.devDependencies?.bun).toBeDefined();
  });

  test("the proxy's runtime packages are declared by proxy/package.json, a workspace, and found for the image", () => {
    expect(manifest.workspaces).toEqual(["proxy"]);
    const proxy = JSON.parse(readFileSync(join(root, "proxy/package.json"), "utf8")) as Manifest & { private?: boolean };
    expect(proxy.private).toBe(true);
    const found = runtimePackages(root, ["proxy", "contract"]).map((p) => p.name);
    expect(found).toContain("yaml");
    for (const name of Object.keys(proxy.dependencies ?? {})) expect(found).toContain(name);
  });
});

describe("npm pack", () => {
  test("holds lib/ with .d.ts, README and LICENSE", () => {
    for (const file of ["package.json", "README.md", "LICENSE", "lib/src/index.js", "lib/src/index.d.ts", "lib/contract/index.js", "lib/contract/index.d.ts"]) expect(packedFiles).toContain(file);
    expect(readFileSync(join(root, "LICENSE"), "utf8")).toContain("Apache License\n                           Version 2.0, January 2004");
    // Every compiled module comes with its declarations.
    for (const js of packedFiles.filter((f) => f.endsWith(".js"))) expect(packedFiles).toContain(js.replace(/\.js$/, ".d.ts"));
  });

  test("holds nothing of the proxy, tests, benchmarks, scripts, Go, dist/ or TypeScript sources", () => {
    const outside = packedFiles.filter((f) => !["package.json", "README.md", "LICENSE"].includes(f) && !f.startsWith("lib/src/") && !f.startsWith("lib/contract/"));
    expect(outside).toEqual([]);
    const forbidden = packedFiles.filter((f) => /^(test|bench|scripts|proxy|dist|demo|deploy|synth|conformance|src|contract)\//.test(f) || /\.(go|mod|sum|c|sh)$/.test(f) || (f.endsWith(".ts") && !f.endsWith(".d.ts")));
    expect(forbidden).toEqual([]);
  });
});

describe("a fresh Node project with the packed tarball", () => {
  test("installs without Bun, yaml or the proxy; the size of node_modules is reported", () => {
    const modules = join(project, "node_modules");
    const installed = readdirSync(modules);
    expect(installed).toContain("courier-gateway");
    for (const name of ["bun", "@oven", "yaml", "courier-proxy", "bun-types", "typescript", "tsx", "cdk8s-cli"]) expect(installed).not.toContain(name);
    expect(existsSync(join(modules, ".bin", "bun"))).toBe(false);
    expect(existsSync(join(modules, ".bin", "courier"))).toBe(false);
    expect(readdirSync(join(modules, "courier-gateway")).sort()).toEqual(["LICENSE", "README.md", "lib", "package.json"]);
    const total = diskBytes(modules);
    const own = diskBytes(join(modules, "courier-gateway"));
    console.log(`package: tarball ${(Bun.file(tarball).size / 1024).toFixed(0)} KiB, ${packedFiles.length} files; fresh project's node_modules ${(total / 1e6).toFixed(1)} MB (courier-gateway ${(own / 1e6).toFixed(2)} MB, the rest cdk8s, constructs, cdk8s-plus-33), installed in ${installSeconds.toFixed(1)} s`);
    // Bun alone is over 100 MB; the peers are about 30 MB.
    expect(total).toBeLessThan(80e6);
  });

  test("type-checks a TypeScript user of the shipped .d.ts (NodeNext resolution, strict)", () => {
    writeFileSync(
      join(project, "check.ts"),
      [
        'import { App, Chart } from "cdk8s";',
        'import { Backend, PassthroughGateway, PassthroughRoute, type PassthroughRouteProps } from "courier-gateway";',
        "const chart = new Chart(new App(), \"c\");",
        'const gateway: PassthroughGateway = new PassthroughGateway(chart, "g", { listeners: [{ port: 443 }] });',
        'const props: PassthroughRouteProps = { gateway, hostnames: ["a.example.com"], backends: [Backend.fromServiceName("a", { port: 443 })] };',
        'new PassthroughRoute(chart, "r", props);',
        "// @ts-expect-error a port must be a number",
        'Backend.fromServiceName("a", { port: "443" });',
        "",
      ].join("\n"),
    );
    const compilerOptions = { strict: true, noEmit: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", types: [], skipLibCheck: false };
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["check.ts"] }));
    const tsc = run(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], project);
    expect(`${tsc.stdout}${tsc.stderr}`).toBe("");
    expect(tsc.status).toBe(0);
  });

  test("plain node synthesizes CourierProxy, a PassthroughGateway and a PassthroughRoute to YAML", () => {
    writeFileSync(
      join(project, "synth.mjs"),
      [
        'import { App, Chart } from "cdk8s";',
        'import { Backend, CourierProxy, PassthroughGateway, PassthroughRoute } from "courier-gateway";',
        "",
        "const app = new App();",
        'const chart = new Chart(app, "edge", { namespace: "default" });',
        'new CourierProxy(chart, "courier", { listenerPorts: [443] });',
        'const gateway = new PassthroughGateway(chart, "tls-gateway", { listeners: [{ name: "tls", port: 443 }] });',
        'new PassthroughRoute(chart, "secure", { gateway, hostnames: ["secure.example.com"], backends: [Backend.fromServiceName("secure-service", { port: 443 })] });',
        "process.stdout.write(app.synthYaml());",
        "",
      ].join("\n"),
    );
    const result = run("node", ["synth.mjs"], project);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const objects = parseAllDocuments(result.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec?: Record<string, unknown> });
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const expected of ["GatewayClass/courier", "Deployment/courier", "Service/courier", "ClusterRole/courier", "Gateway/tls-gateway", "TLSRoute/secure"]) expect(kinds).toContain(expected);
    const route = objects.find((o) => o.kind === "TLSRoute")!;
    expect(route.spec).toEqual({ hostnames: ["secure.example.com"], parentRefs: [{ name: "tls-gateway" }], rules: [{ backendRefs: [{ name: "secure-service", port: 443 }] }] });
    const gateway = objects.find((o) => o.kind === "Gateway")!;
    expect((gateway.spec as { listeners: Array<{ tls: unknown }> }).listeners[0]!.tls).toEqual({ mode: "Passthrough" });
  });

  // The first ```ts block after a heading of a document, run as an ES module by node.
  const examples = [
    { doc: "README.md", heading: "## The construct library", file: "basic.k8s.yaml", route: "secure.example.com" },
    { doc: "docs/constructs.md", heading: "## A new passthrough route in under ten lines", file: "shop.k8s.yaml", route: "shop.example.com" },
  ];
  for (const example of examples) {
    test(`the example under "${example.heading}" in ${example.doc} runs as written under plain node`, () => {
      const text = readFileSync(join(root, example.doc), "utf8");
      expect(text).toContain(example.heading);
      const code = /```ts\n([\s\S]*?)```/.exec(text.slice(text.indexOf(example.heading)))?.[1];
      expect(code).toContain('from "courier-gateway"');
      const script = `example-${example.file.replace(/\W/g, "-")}.mjs`;
      writeFileSync(join(project, script), code!);
      const result = run("node", [script], project);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const written = readFileSync(join(project, "dist", example.file), "utf8");
      expect(written).toContain("kind: TLSRoute");
      expect(written).toContain(`- ${example.route}`);
    });
  }

  test("an invalid hostname fails the synth with the construct's message and a non-zero exit", () => {
    writeFileSync(
      join(project, "invalid.mjs"),
      [
        'import { App, Chart } from "cdk8s";',
        'import { Backend, PassthroughGateway, PassthroughRoute } from "courier-gateway";',
        "",
        'const app = new App({ outdir: "invalid-out" });',
        'const chart = new Chart(app, "edge", { namespace: "default" });',
        'const gateway = new PassthroughGateway(chart, "tls-gateway", { listeners: [{ name: "tls", port: 443 }] });',
        'new PassthroughRoute(chart, "secure", { gateway, hostnames: ["secure_service.example.com"], backends: [Backend.fromServiceName("secure-service", { port: 443 })] });',
        "app.synth();",
        "",
      ].join("\n"),
    );
    const result = run("node", ["invalid.mjs"], project);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("Validation failed");
    expect(result.stderr).toMatch(/\[edge\/secure\] spec\.hostnames\[0\]: "secure_service\.example\.com" is not an RFC 1123 DNS name .*Fix: /);
    const written = existsSync(join(project, "invalid-out")) ? readdirSync(join(project, "invalid-out")) : [];
    expect(written).toEqual([]);
  });
});
