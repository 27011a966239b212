// File mode's reloads against a real proxy process, real files and real TLS peers:
// unrelated and continuous writes cannot hold a change back, oversized files are
// refused, a truncated manifest is never served, an atomic rename applies at once.
// Assertions are about order and outcome (applied while the noise still runs), not
// about how many milliseconds something took.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { renameSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { COURIER_CLASS, gatewayManifest, routeManifest, type RouteSpec } from "../../../helpers/manifests.ts";
import { startScenario, type Scenario } from "../../../helpers/scenario.ts";
import { landing } from "../../../helpers/tlsClient.ts";

/** Small enough that a test file passes it cheaply. */
const MAX_FILE_BYTES = 64 * 1024;

const route = (name: string): RouteSpec => ({ name, hostnames: [`${name}.example.com`], backends: [{ name, port: 443 }] });

let s: Scenario;
let manifest: string;

beforeAll(async () => {
  s = await startScenario({
    backends: ["one", "two", "three", "four"].map((name) => ({ name, dnsNames: [`${name}.example.com`] })),
    routes: [route("one")],
    // A long confirmation window, so that (d) can look at traffic while the truncation is held.
    proxyArgs: ["--max-file-bytes", String(MAX_FILE_BYTES), "--reload-confirm", "30s"],
  });
  manifest = join(s.files.manifests, "all.yaml");
});

afterAll(async () => {
  await s?.close();
});

/** The manifest text serving these routes (the endpoints file already lists every backend). */
function manifestText(routes: readonly RouteSpec[], note = ""): string {
  const objects = [COURIER_CLASS, gatewayManifest("gw", [{ name: "tls", port: 443 }]), ...routes.map(routeManifest)];
  return `# ${note}\n${objects.map((o) => stringify(o)).join("---\n")}`;
}

const loads = (): number => s.proxy.logs().split("\n").filter((line) => line.includes("configuration loaded")).length;
const count = (pattern: RegExp): number => s.proxy.logs().split("\n").filter((line) => pattern.test(line)).length;
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Where this SNI lands now; "refused" when the proxy does not route it. */
async function where(name: string): Promise<string> {
  try {
    return await landing(s.port, `${name}.example.com`, s.pki.ca);
  } catch {
    return "refused";
  }
}

/** Polls until `check` holds, at most `tries` times; returns whether it did. */
async function eventually(check: () => Promise<boolean> | boolean, tries = 100, everyMs = 50): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return false;
}

/** Rewrites a file every `everyMs`, `times` times at most; `running` turns false at the end. */
function rewriteLoop(path: string, everyMs: number, times: number, text: (i: number) => string): { readonly running: () => boolean; readonly done: Promise<void> } {
  let running = true;
  const done = (async () => {
    for (let i = 0; i < times; i++) {
      writeFileSync(path, text(i));
      await sleep(everyMs);
    }
    running = false;
  })();
  return { running: () => running, done };
}

describe("file reloads", () => {
  test("(a) a .txt rewritten every 50 ms neither reloads nor delays a real change", async () => {
    expect(await where("one")).toBe("one");
    const before = loads();
    const noise = rewriteLoop(join(s.files.manifests, "notes.txt"), 50, 60, (i) => `note ${i}\n`);
    try {
      await sleep(500);
      // Ten rewrites of a file that is not configuration: nothing reloaded.
      expect(loads()).toBe(before);
      writeFileSync(manifest, manifestText([route("one"), route("two")]));
      let appliedWhileNoisy = false;
      const applied = await eventually(async () => {
        const noisy = noise.running();
        if ((await where("two")) !== "two") return false;
        appliedWhileNoisy = noisy;
        return true;
      });
      expect(applied).toBe(true);
      expect(appliedWhileNoisy).toBe(true);
    } finally {
      await noise.done;
    }
    rmSync(join(s.files.manifests, "notes.txt"), { force: true });
  }, 30_000);

  test("(b) a manifest rewritten every 30 ms reloads during the stream, not only after it", async () => {
    const before = loads();
    // 100 rewrites, each different (the note), ending with route "three" added.
    const stream = rewriteLoop(manifest, 30, 100, (i) => manifestText(i < 99 ? [route("one"), route("two")] : [route("one"), route("two"), route("three")], `write ${i}`));
    let reloadedWhileStreaming = false;
    try {
      reloadedWhileStreaming = await eventually(() => loads() > before && stream.running(), 200, 20);
    } finally {
      await stream.done;
    }
    expect(reloadedWhileStreaming).toBe(true);
    expect(await eventually(async () => (await where("three")) === "three")).toBe(true);
    expect(await where("one")).toBe("one");
  }, 30_000);

  test("(c) a file over the size limit is refused with an error naming it and the limit; routing continues", async () => {
    const big = join(s.files.manifests, "big.yaml");
    writeFileSync(big, `# ${"x".repeat(MAX_FILE_BYTES * 2)}\n${manifestText([route("four")])}`);
    try {
      const line = await s.proxy.waitForLog(/big\.yaml: \d+ bytes is over the limit of 65536 bytes per file \(--max-file-bytes\)/);
      expect(line).toContain("configuration error");
      await s.proxy.waitForLog(/keeping the last good configuration/);
      expect(await where("one")).toBe("one");
      expect(await where("three")).toBe("three");
      // Nothing of the oversized file was read.
      expect(await where("four")).toBe("refused");
    } finally {
      rmSync(big, { force: true });
    }
  }, 30_000);

  test("(d) a manifest truncated to 0 bytes is held back: listeners stay up, traffic routes; restoring it resumes", async () => {
    const held = /held back until a second read confirms it/;
    const heldBefore = count(held);
    const loadsBefore = loads();
    truncateSync(manifest, 0);
    expect(await eventually(() => count(held) > heldBefore)).toBe(true);
    expect(s.proxy.logs()).toContain("all.yaml had");
    // The truncated file was never served: the old listeners and routes still answer.
    expect(await where("one")).toBe("one");
    expect(await where("three")).toBe("three");
    expect(loads()).toBe(loadsBefore);

    writeFileSync(manifest, manifestText([route("one"), route("two")]));
    expect(await eventually(async () => (await where("three")) === "refused")).toBe(true);
    expect(await where("two")).toBe("two");
  }, 30_000);

  test("(e) an atomic rename write (temporary file, then rename) applies at once", async () => {
    const held = count(/held back/);
    const tmp = join(s.files.manifests, ".all.yaml.tmp");
    writeFileSync(tmp, manifestText([route("one"), route("four")]));
    renameSync(tmp, manifest);
    expect(await eventually(async () => (await where("four")) === "four")).toBe(true);
    expect(await where("two")).toBe("refused");
    expect(count(/held back/)).toBe(held);
  }, 30_000);
});
