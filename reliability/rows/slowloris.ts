// Row 2: 10,000 slowloris connections (connect, one byte of a hello, stall) against
// a short --hello-timeout while a real TLS client connects every 50 ms. Every
// slowloris must be closed at the deadline, every real client served. The sources
// are spread over 100 loopback addresses (100 each, under the --max-pending-per-client
// default) and --max-pending is raised to hold them all.
import { DEFAULT_LIMITS } from "../../contract/index.ts";
import { windowLatency } from "../probe.ts";
import { RssSampler } from "../rss.ts";
import { loopbackAddresses, openStalled } from "../stalledClients.ts";
import type { RowDefinition } from "../suite.ts";
import { startWorld } from "../world.ts";

const HELLO_TIMEOUT_MS = 2_000;
/** The sweeper checks deadlines on a coarse clock: a close this late is still "at the deadline". */
const SLACK_MS = 1_500;
/** The client's own measure of a connection's life starts a little before Courier's accept. */
const MEASURE_MS = 50;

export const slowlorisRow: RowDefinition = {
  id: "2",
  title: "slowloris",
  async run(context) {
    const count = context.quick ? 1_000 : 10_000;
    const addresses = loopbackAddresses(2, 100);
    const world = await startWorld(["--workers", "1", "--hello-timeout", `${HELLO_TIMEOUT_MS}ms`, "--max-pending", "20000"]);
    try {
      const proxy = world.scenario.proxy;
      const real = await world.startProbe("connect");
      const rss = new RssSampler(proxy.pid);
      const started = Date.now();
      const { clients, failedToOpen } = await openStalled(world.scenario.port, count, addresses, Uint8Array.of(0x16));
      const openedIn = Date.now() - started;
      // Wait for the last ones' deadline, and the slack.
      const last = Math.max(...clients.map((c) => c.openedAt));
      await Bun.sleep(Math.max(0, last + HELLO_TIMEOUT_MS + SLACK_MS + 200 - Date.now()));
      const window = await real.stop();
      const lifetimes = clients.map((c) => (c.closedAt() ?? Infinity) - c.openedAt);
      const early = lifetimes.filter((t) => t < HELLO_TIMEOUT_MS - MEASURE_MS).length;
      const shortest = Math.min(...lifetimes);
      const longest = Math.max(...lifetimes);
      const late = lifetimes.filter((t) => t > HELLO_TIMEOUT_MS + SLACK_MS).length;
      const atDeadline = clients.length - early - late;
      for (const c of clients) c.destroy();
      const failures: string[] = [];
      if (failedToOpen > 0) failures.push(`${failedToOpen} slowloris connections could not open`);
      if (early > 0) failures.push(`${early} closed before the hello deadline`);
      if (late > 0) failures.push(`${late} not closed within ${SLACK_MS} ms after the deadline`);
      if (window.failures > 0) failures.push(`${window.failures} real clients failed: ${window.errors[0] ?? ""}`);
      context.report({
        row: "2 slowloris",
        input: `${count.toLocaleString("en")} connections sending 1 byte then stalling, opened in ${(openedIn / 1000).toFixed(1)} s from ${addresses.length} addresses (127.2.0.x); --hello-timeout ${HELLO_TIMEOUT_MS / 1000}s, --max-pending 20000, per-client cap ${DEFAULT_LIMITS.maxPendingHellosPerClient} (default)`,
        happened: `${atDeadline.toLocaleString("en")} closed at the deadline (open ${shortest}-${longest === Infinity ? "never closed" : longest} ms), ${early} early, ${late} late; real TLS clients every 50 ms: ${window.samples.length} served, ${window.failures} failed`,
        bytesLost: window.bytesLost,
        rss: rss.stop(),
        latency: { what: "new TLS connection", figures: windowLatency(window) },
        failures,
      });
    } finally {
      await world.close();
    }
  },
};
