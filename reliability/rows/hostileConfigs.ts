// Row 4: the hostile configuration set hot-reloaded under live streams. For each
// case: what Courier logged, that the last good configuration still routes a new
// connection, the byte-checked streams lose nothing, and the longest ping-pong round
// trip while it loaded (the forwarding stall).
import { landing } from "../../test/helpers/tlsClient.ts";
import { FORGED_LINE, HOSTILE_CASES, type HostileCase } from "../hostileInputs.ts";
import { windowLatency, type Probe } from "../probe.ts";
import { awaitLine, linesSince, loadsSince, logMark, messageOf } from "../proxyLog.ts";
import { RssSampler } from "../rss.ts";
import { StreamSet } from "../streamSet.ts";
import type { RowContext, RowDefinition } from "../suite.ts";
import { ECHO_SNI, startWorld, type World } from "../world.ts";

/** How long the good file stays replaced by a held case: under the 1 s confirmation. */
const HELD_FOR_MS = 500;
const REACTION = /ERROR|WARN|configuration loaded/;

async function runCase(world: World, ping: Probe, streams: StreamSet, c: HostileCase, good: string, context: RowContext): Promise<void> {
  const proxy = world.scenario.proxy;
  const mark = logMark(proxy);
  const brokenBefore = streams.brokenCount();
  const rss = new RssSampler(proxy.pid);
  await ping.window();
  world.writeManifestText(c.content(good));
  const reaction = await awaitLine(proxy, mark, REACTION, 5_000);
  // Time for a reload the guard held to be re-read, or a slow load to finish.
  await Bun.sleep(c.expect === "held" ? HELD_FOR_MS : 1_500);
  const failures: string[] = [];
  const routed = await landing(world.scenario.port, ECHO_SNI, world.scenario.pki.ca).catch((e: Error) => `failed: ${e.message}`);
  if (routed !== "echo") failures.push(`a new connection to ${ECHO_SNI}: ${routed}`);
  const afterBad = linesSince(proxy, mark);
  const loads = loadsSince(proxy, mark);
  world.writeManifestText(good);
  await Bun.sleep(300);
  const window = await ping.window();
  const problems = afterBad.filter((l) => / (ERROR|WARN) /.test(l));
  if (c.expect === "error" && !afterBad.some((l) => / ERROR /.test(l))) failures.push("no error logged");
  if (c.expect === "held" && !afterBad.some((l) => /held back/.test(l))) failures.push("not held back");
  if (c.expect !== "ignored" && loads.length > 0) failures.push(`applied: ${loads.length} configuration loads`);
  if (c.expect === "ignored" && problems.some((l) => / ERROR /.test(l))) failures.push("an error for an object Courier does not read");
  if (window.failures > 0) failures.push(`ping-pong: ${window.failures} failures (${window.errors[0] ?? ""})`);
  const broken = streams.brokenCount() - brokenBefore;
  if (broken > 0) failures.push(`${broken} byte-checked streams broke`);
  const latency = windowLatency(window);
  const said = problems[0] ?? reaction ?? "nothing logged";
  context.report({
    row: `4 hostile config: ${c.name}`,
    input: c.expect === "held" ? `written over the good file, good file back after ${HELD_FOR_MS} ms` : "written over the good file, then the good file back",
    happened: `${messageOf(said)}${routed === "echo" ? "; last good configuration routes" : ""}`,
    bytesLost: window.bytesLost,
    rss: rss.stop(),
    latency: { what: "ping-pong", figures: latency },
    stallMs: latency.max,
    failures,
  });
}

export const hostileConfigsRow: RowDefinition = {
  id: "4",
  title: "hostile configurations",
  async run(context) {
    const world = await startWorld(["--workers", "1"]);
    try {
      const good = world.manifestText();
      const ping = await world.startProbe("ping-pong");
      const streams = await StreamSet.open({ count: 20, port: world.scenario.port, ca: world.scenario.pki.ca, seed: 4_000, chunkBytes: 512, intervalMs: 50 });
      for (const c of HOSTILE_CASES) await runCase(world, ping, streams, c, good, context);
      const lastWindow = await ping.stop();
      const totals = await streams.finish();
      const logs = world.scenario.proxy.logs();
      const failures: string[] = [];
      if (logs.split("\n").some((l) => l.startsWith(FORGED_LINE.slice(0, 24)))) failures.push("a forged record reached the log");
      if (logs.includes("\u0000")) failures.push("a raw NUL reached the log");
      if (totals.completed !== totals.streams) failures.push(`${totals.streams - totals.completed} streams did not complete: ${totals.errors.join("; ")}`);
      context.report({
        row: "4 hostile config: all cases, streams",
        input: `${HOSTILE_CASES.length} cases under ${totals.streams} byte-checked streams and a ping-pong`,
        happened: `${totals.completed}/${totals.streams} streams complete, ${totals.verified.toLocaleString("en")} bytes verified; no forged record or raw NUL in the log`,
        bytesLost: totals.lost + lastWindow.bytesLost,
        failures,
      });
    } finally {
      await world.close();
    }
  },
};
