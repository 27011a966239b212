// What a new user does first: `npm start`, then the first printed openssl line.
import { afterAll, expect, test } from "bun:test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { freeOffset } from "../../helpers/portOffset.ts";

const root = resolve(import.meta.dir, "../../..");
const dir = mkdtempSync(join(tmpdir(), "courier-demo-"));
let demo: ChildProcess | undefined;

afterAll(async () => {
  if (demo !== undefined && demo.exitCode === null) {
    demo.kill("SIGTERM");
    await new Promise((done) => demo!.once("exit", done));
  }
  rmSync(dir, { recursive: true, force: true });
});

test("npm start's demo prints openssl lines that reach a backend with its own certificate", async () => {
  // Every listener port of dist/ (the proxy Service's ports) moved onto free loopback ports, 443 first.
  const service = parseAllDocuments(readFileSync(join(root, "dist/courier-proxy.k8s.yaml"), "utf8"))
    .map((d) => d.toJS() as { kind?: string; spec?: { ports?: { port: number }[] } })
    .find((o) => o.kind === "Service");
  const ports = (service?.spec?.ports ?? []).map((p) => p.port);
  const offset = await freeOffset([443, ...ports.filter((p) => p !== 443)]);
  demo = spawn(resolve(root, "node_modules/.bin/bun"), ["demo/start.ts"], {
    cwd: root,
    env: { ...process.env, COURIER_DEMO_PORT_OFFSET: String(offset), COURIER_DEMO_ADMIN: "off", COURIER_DEMO_DIR: dir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  demo.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  demo.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 30_000;
  while (!out.includes("Stop with Ctrl-C") && Date.now() < deadline) await Bun.sleep(100);
  const line = /^ {2}(openssl s_client .*secure\.example\.com.*)$/m.exec(out)?.[1];
  expect(line).toBeDefined();
  const run = spawnSync("sh", ["-c", line!], { encoding: "utf8", timeout: 10_000 });
  const shown = `${run.stdout}${run.stderr}`;
  expect(shown).toContain("Peer certificate: CN = secure.example.com");
  expect(shown).toContain("Verification: OK");
  await Bun.sleep(200);
  expect(out).toMatch(/routed .*sni=secure\.example\.com/);
  demo.kill("SIGTERM");
  expect(await new Promise((done) => demo!.once("exit", done))).toBe(0);
}, 60_000);
