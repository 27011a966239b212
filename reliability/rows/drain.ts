// Row 7: SIGTERM with 100 open byte-checked streams. /readyz turns 503 at once; 90
// streams end on their own a second later and must have every byte back; 10 keep
// going and are closed at --drain-timeout; then the process exits.
import { freePort } from "../../test/helpers/ports.ts";
import { landing } from "../../test/helpers/tlsClient.ts";
import { RssSampler } from "../rss.ts";
import { StreamSet, type StreamSetOptions } from "../streamSet.ts";
import type { RowDefinition } from "../suite.ts";
import { ECHO_SNI, startWorld } from "../world.ts";

const DRAIN_TIMEOUT_MS = 3_000;

async function readyz(url: string): Promise<number | string> {
  return await fetch(url, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status, (e: Error) => e.message);
}

export const drainRow: RowDefinition = {
  id: "7",
  title: "SIGTERM drain",
  async run(context) {
    const probePort = await freePort();
    const readyzUrl = `http://127.0.0.1:${probePort}/readyz`;
    const world = await startWorld(["--workers", "1", "--drain-timeout", `${DRAIN_TIMEOUT_MS}ms`, "--probe-address", `127.0.0.1:${probePort}`]);
    try {
      const proxy = world.scenario.proxy;
      const base: Omit<StreamSetOptions, "count" | "seed"> = { port: world.scenario.port, ca: world.scenario.pki.ca, chunkBytes: 1_024, intervalMs: 50 };
      const finishing = await StreamSet.open({ ...base, count: 90, seed: 7_000 });
      const lingering = await StreamSet.open({ ...base, count: 10, seed: 7_100 });
      await Bun.sleep(500);
      const failures: string[] = [];
      const before = await readyz(readyzUrl);
      if (before !== 200) failures.push(`/readyz before SIGTERM: ${before}`);
      const rss = new RssSampler(proxy.pid);
      const exited = new Promise<number | null>((done) => proxy.child.once("exit", (code) => done(code)));
      const signalled = Date.now();
      proxy.child.kill("SIGTERM");
      await Bun.sleep(100);
      const during = await readyz(readyzUrl);
      if (during !== 503) failures.push(`/readyz during drain: ${during}`);
      const newcomer = await landing(world.scenario.port, ECHO_SNI, world.scenario.pki.ca).then((who) => `served (${who})`, () => "refused");
      await Bun.sleep(900);
      const finished = await finishing.finish();
      const code = await Promise.race([exited, Bun.sleep(DRAIN_TIMEOUT_MS + 5_000).then(() => "still running")]);
      const exitMs = Date.now() - signalled;
      const cut = await lingering.finish(1_000);
      if (finished.completed !== finished.streams) failures.push(`${finished.streams - finished.completed} ending streams did not complete: ${finished.errors.join("; ")}`);
      if (cut.completed > 0) failures.push(`${cut.completed} lingering streams completed: not closed at the drain timeout`);
      if (code !== 0) failures.push(`exit: ${code}`);
      if (exitMs > DRAIN_TIMEOUT_MS + 2_000) failures.push(`exited ${exitMs} ms after SIGTERM (drain timeout ${DRAIN_TIMEOUT_MS} ms)`);
      context.report({
        row: "7 SIGTERM drain",
        input: `SIGTERM with 100 open streams (90 end 1 s later, 10 keep sending), --drain-timeout ${DRAIN_TIMEOUT_MS / 1000}s`,
        happened: `/readyz ${before} -> ${during}; a new connection during the drain: ${newcomer}; ${finished.completed}/90 ending streams complete (${finished.verified.toLocaleString("en")} bytes verified); 10 lingering closed at the timeout with ${(cut.sent - cut.verified).toLocaleString("en")} bytes in flight; exit ${code} after ${exitMs} ms`,
        bytesLost: finished.lost,
        rss: rss.stop(),
        failures,
      });
    } finally {
      await world.close();
    }
  },
};
