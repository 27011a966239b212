// Traffic through a cluster-mode Courier while its control plane is disturbed: a
// ping-pong stream, a new TLS connection every 50 ms and byte-checked streams. They
// run in the suite's process (the backends live in a network namespace, since the API
// server refuses loopback endpoints), so latencies include the suite's own load.
import { ConnectLoop } from "./probe/connectLoop.ts";
import { PingPong } from "./probe/pingPong.ts";
import type { ClientTarget, WindowReport } from "./probe/probeProtocol.ts";
import { StreamSet, type StreamTotals } from "./streamSet.ts";

export interface TrafficResult {
  readonly ping: WindowReport;
  readonly connects: WindowReport;
  readonly streams: StreamTotals;
}

export interface Traffic {
  stop(): Promise<TrafficResult>;
}

export async function startTraffic(target: ClientTarget, ca: string, seed: number): Promise<Traffic> {
  const ping = new PingPong(target);
  const connects = new ConnectLoop(target);
  ping.start();
  connects.start();
  const streams = await StreamSet.open({ count: 20, port: target.proxyPort, ca, seed, chunkBytes: 512, intervalMs: 50, sni: target.sni });
  await Bun.sleep(300);
  ping.window();
  connects.window();
  return {
    async stop() {
      await Promise.all([ping.stop(), connects.stop()]);
      return { ping: ping.window(), connects: connects.window(), streams: await streams.finish() };
    },
  };
}

/** What every cluster row checks of its traffic. */
export function trafficFailures(result: TrafficResult): string[] {
  const failures: string[] = [];
  if (result.connects.failures > 0) failures.push(`${result.connects.failures} new connections failed: ${result.connects.errors[0] ?? ""}`);
  if (result.ping.failures > 0) failures.push(`ping-pong: ${result.ping.failures} failures (${result.ping.errors[0] ?? ""})`);
  if (result.streams.completed !== result.streams.streams) failures.push(`${result.streams.streams - result.streams.completed} streams did not complete: ${result.streams.errors.join("; ")}`);
  return failures;
}

export function trafficSummary(result: TrafficResult): string {
  return `${result.connects.samples.length} new connections, ${result.connects.failures} failed; ${result.streams.completed}/${result.streams.streams} streams complete (${result.streams.verified.toLocaleString("en")} bytes verified)`;
}
