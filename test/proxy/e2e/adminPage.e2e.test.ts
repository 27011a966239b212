// The admin page in a real browser: headless Chromium (Debian's chromium, installed by
// scripts/test.sh) loads it from a running proxy with a live TLS connection and a
// refused manifest whose name carries markup and a newline. The screenshot must not be
// blank; the DOM Chromium built must show the listeners, routes, backends, the live
// connection and the error, with the markup as text, never as an element.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../helpers/ports.ts";
import { decodePng } from "../../helpers/png.ts";
import { startScenario, type Scenario } from "../../helpers/scenario.ts";
import { openTls, type TlsSession } from "../../helpers/tlsClient.ts";

let world: Scenario;
let adminPort: number;
let live: TlsSession;

const HOSTILE = 'evil\n<img src=x onerror="document.title=1">';

beforeAll(async () => {
  adminPort = await freePort();
  world = await startScenario({
    backends: [
      { name: "orders", dnsNames: ["orders.example.com"] },
      { name: "billing", dnsNames: ["billing.example.com"] },
    ],
    routes: [
      { name: "orders", hostnames: ["orders.example.com"], backends: [{ name: "orders", port: 443 }] },
      { name: "billing", hostnames: ["billing.example.com", "*.billing.example.com"], backends: [{ name: "billing", port: 443, weight: 3 }, { name: "orders", port: 443, weight: 1 }] },
    ],
    proxyArgs: ["--admin", `127.0.0.1:${adminPort}`],
  });
  // A manifest the schema refuses, named to break out of the page if it could.
  writeFileSync(
    join(world.files.manifests, "hostile.yaml"),
    `apiVersion: gateway.networking.k8s.io/v1\nkind: TLSRoute\nmetadata: {name: ${JSON.stringify(HOSTILE)}, namespace: default}\nspec: {parentRefs: [{name: gw}], hostnames: [x.example.com], rules: [{backendRefs: [{name: orders, port: 443}]}]}\n`,
  );
  await world.proxy.waitForLog(/configuration error/);
  live = await openTls(world.port, "orders.example.com", world.pki.ca);
  expect(await live.firstLine).toBe("orders");
});

afterAll(async () => {
  live?.socket.destroy();
  await world?.close();
});

function chromium(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  // As root (the test machine) Chromium needs --no-sandbox; no GPU in a VM.
  const run = spawnSync("chromium", ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", `--user-data-dir=${join(world.dir, "chromium")}`, ...args], { encoding: "utf8", timeout: 60_000 });
  if (run.error !== undefined) throw new Error(`chromium: ${run.error.message} (sh scripts/ensure.sh chromium)`);
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("admin page in headless Chromium", () => {
  test("the DOM shows what is served, the live connection and the error, the markup as text", () => {
    const dom = chromium("--dump-dom", `http://127.0.0.1:${adminPort}/`);
    expect(dom.code).toBe(0);
    const page = dom.stdout;
    for (const text of ["Courier 0.1.0", "ready", "Listeners", "default/gw", "orders.example.com", "*.billing.example.com", "default/billing", "Service default/billing:443 (weight 3)", "Backends and endpoint health", "Live connections", "1 open", "Configuration problems and recent errors"]) {
      expect(page).toContain(text);
    }
    expect(page).toContain(`127.0.0.1:${world.backends.get("orders")!.port}`);
    // The hostile name as escaped text: no <img> element was created, the newline shown as \n.
    expect(page).not.toContain("<img");
    expect(page).toContain("evil\\n&lt;img src=x onerror=");
    expect(page).toContain("<title>Courier 0.1.0</title>");
  });

  test("a screenshot that is not blank", () => {
    const file = join(world.dir, "admin-page.png");
    const shot = chromium("--window-size=1280,1100", `--screenshot=${file}`, `http://127.0.0.1:${adminPort}/`);
    expect(shot.code).toBe(0);
    const image = decodePng(readFileSync(file));
    expect([image.width, image.height]).toEqual([1280, 1100]);
    let dark = 0;
    const colors = new Set<number>();
    for (let i = 0; i < image.rgba.length; i += 4) {
      const [r, g, b] = [image.rgba[i]!, image.rgba[i + 1]!, image.rgba[i + 2]!];
      if (r + g + b < 384) dark++;
      colors.add((r << 16) | (g << 8) | b);
    }
    // Text covers a few percent of a page of tables; a blank or error page has none or one color.
    expect(dark / (image.width * image.height)).toBeGreaterThan(0.01);
    expect(colors.size).toBeGreaterThan(50);
  });
});
