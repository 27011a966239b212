// Row 5: configuration rewrites 20-50 ms apart under byte-checked streams. Every
// stream must keep all its bytes, and reloads must not starve while the writes keep
// coming: each write is followed by a load within 1 s, the last one included.
import { seededRandom } from "../../test/helpers/seededRandom.ts";
import type { RouteSpec } from "../../test/helpers/manifests.ts";
import { windowLatency } from "../probe.ts";
import { loadsSince, logMark } from "../proxyLog.ts";
import { reloadDelays } from "../reloadDelays.ts";
import { RssSampler } from "../rss.ts";
import { StreamSet } from "../streamSet.ts";
import type { RowDefinition } from "../suite.ts";
import { RELOAD_HOLD_LIMIT_MS } from "../table.ts";
import { startWorld } from "../world.ts";

/** Extra routes in write i (1..5), so consecutive writes differ; the last write has FINAL_EXTRA. */
function churnRoutes(i: number, count: number): RouteSpec[] {
  return Array.from({ length: count }, (_, k) => ({ name: `churn-${i}-${k}`, hostnames: [`c${i}-${k}.churn.example.com`], backends: [{ name: "echo", port: 443 }] }));
}
const FINAL_EXTRA = 7;

export const configChurnRow: RowDefinition = {
  id: "5",
  title: "configuration churn",
  async run(context) {
    const writesWanted = context.quick ? 100 : 1_000;
    const streamCount = context.quick ? 50 : 200;
    const world = await startWorld(["--workers", "1"]);
    try {
      const proxy = world.scenario.proxy;
      const ping = await world.startProbe("ping-pong");
      const streams = await StreamSet.open({ count: streamCount, port: world.scenario.port, ca: world.scenario.pki.ca, seed: 5_000, chunkBytes: 256, intervalMs: 100 });
      const rss = new RssSampler(proxy.pid);
      const mark = logMark(proxy);
      const random = seededRandom(5);
      const writes: number[] = [];
      for (let i = 0; i < writesWanted; i++) {
        writes.push(Date.now());
        world.writeConfig(churnRoutes(i, i === writesWanted - 1 ? FINAL_EXTRA : 1 + (i % 5)));
        if (i < writesWanted - 1) await Bun.sleep(20 + Math.floor(random() * 31));
      }
      const lastWrite = writes[writes.length - 1]!;
      await Bun.sleep(2_000);
      const window = await ping.stop();
      const totals = await streams.finish();
      const loads = loadsSince(proxy, mark);
      const delays = reloadDelays(writes, loads);
      const worstDelay = Math.max(...delays);
      const final = loads.filter((l) => l.at >= lastWrite).find((l) => l.routes === world.routes.length + FINAL_EXTRA);
      const failures: string[] = [];
      if (worstDelay > RELOAD_HOLD_LIMIT_MS) failures.push(`a write waited ${worstDelay === Infinity ? "forever" : `${worstDelay} ms`} for a reload (limit ${RELOAD_HOLD_LIMIT_MS} ms)`);
      if (final === undefined) failures.push("the last write was never loaded");
      else if (final.at - lastWrite > RELOAD_HOLD_LIMIT_MS) failures.push(`the last write loaded after ${final.at - lastWrite} ms`);
      if (totals.completed !== totals.streams) failures.push(`${totals.streams - totals.completed} streams did not complete: ${totals.errors.join("; ")}`);
      if (window.failures > 0) failures.push(`ping-pong: ${window.failures} failures (${window.errors[0] ?? ""})`);
      const latency = windowLatency(window);
      const sorted = [...delays].sort((a, b) => a - b);
      context.report({
        row: "5 config churn",
        input: `${writes.length} rewrites 20-50 ms apart over ${((lastWrite - writes[0]!) / 1000).toFixed(1)} s, ${totals.streams} byte-checked streams`,
        happened: `${loads.length} reloads; write-to-reload p50 ${sorted[Math.floor(sorted.length / 2)]} ms, max ${worstDelay} ms; last write loaded after ${final === undefined ? "-" : final.at - lastWrite} ms; ${totals.completed}/${totals.streams} streams complete, ${totals.verified.toLocaleString("en")} bytes verified`,
        bytesLost: totals.lost + window.bytesLost,
        rss: rss.stop(),
        latency: { what: "ping-pong", figures: latency },
        stallMs: latency.max,
        failures,
      });
    } finally {
      await world.close();
    }
  },
};
