// Row 6: a large but allowed manifest (5,000 routes in one file of several MB)
// loaded, and loaded again changed, under a ping-pong stream, with one data-plane
// worker. Parsing and translating run on the controller thread, so forwarding must
// not stall longer than the limit.
import { renameSync, statSync, writeFileSync } from "node:fs";
import type { RouteSpec } from "../../test/helpers/manifests.ts";
import { windowLatency } from "../probe.ts";
import { awaitLine, logMark } from "../proxyLog.ts";
import { RssSampler } from "../rss.ts";
import type { RowDefinition } from "../suite.ts";
import { startWorld, type World } from "../world.ts";

const HOSTNAMES_PER_ROUTE = 16;

function largeRoutes(count: number, variant: number): RouteSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `bulk-${variant}-${i}`,
    hostnames: Array.from({ length: HOSTNAMES_PER_ROUTE }, (_, h) => `r${i}-h${h}.v${variant}.bulk-routes.reliability-suite.example.com`),
    backends: [{ name: "echo", port: 443 }],
  }));
}

/** Writes the manifest as editors and CI should: a temporary name, then a rename. */
function writeAtomically(world: World, text: string): void {
  const temporary = `${world.manifestFile}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, world.manifestFile);
}

export const largeManifestRow: RowDefinition = {
  id: "6",
  title: "large manifest",
  async run(context) {
    const routeCount = context.quick ? 1_000 : 5_000;
    const world = await startWorld(["--workers", "1"]);
    try {
      const proxy = world.scenario.proxy;
      const ping = await world.startProbe("ping-pong");
      for (const variant of [1, 2]) {
        const text = world.manifestText(largeRoutes(routeCount, variant));
        const rss = new RssSampler(proxy.pid);
        await ping.window();
        const mark = logMark(proxy);
        const started = Date.now();
        writeAtomically(world, text);
        const loaded = await awaitLine(proxy, mark, new RegExp(`configuration loaded .*routes=${routeCount + world.routes.length}\\b`), 60_000);
        const loadMs = Date.now() - started;
        // The Plan reaches the worker after the log record: keep measuring a while.
        await Bun.sleep(2_000);
        const window = await ping.window();
        const latency = windowLatency(window);
        const failures: string[] = [];
        if (loaded === undefined) failures.push("not loaded within 60 s");
        if (window.failures > 0) failures.push(`ping-pong: ${window.failures} failures (${window.errors[0] ?? ""})`);
        context.report({
          row: `6 large manifest${variant === 2 ? " (changed, loaded again)" : ""}`,
          input: `${routeCount.toLocaleString("en")} routes x ${HOSTNAMES_PER_ROUTE} hostnames, ${(statSync(world.manifestFile).size / 1024 / 1024).toFixed(1)} MB in one file, atomic rename, --workers 1`,
          happened: loaded === undefined ? "not loaded" : `loaded in ${loadMs} ms (write to log record)`,
          bytesLost: window.bytesLost,
          rss: rss.stop(),
          latency: { what: "ping-pong", figures: latency },
          stallMs: latency.max,
          failures,
        });
      }
      await ping.stop();
    } finally {
      await world.close();
    }
  },
};
