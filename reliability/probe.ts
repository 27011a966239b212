// The suite's handle on a probe process (probe/probeMain.ts): start it, take windows
// of what its client saw, stop it.
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { ProbeConfig, WindowReport } from "./probe/probeProtocol.ts";
import { latencyOf, type Latency } from "./stats.ts";

const root = resolve(import.meta.dir, "..");
const bun = resolve(root, "node_modules/.bin/bun");

export interface Probe {
  /** What the client saw since the last window. */
  window(): Promise<WindowReport>;
  /** Stops the client and its backend; the last window. */
  stop(): Promise<WindowReport>;
}

export async function startProbe(config: ProbeConfig): Promise<Probe> {
  const child: ChildProcess = spawn(bun, [resolve(import.meta.dir, "probe/probeMain.ts"), JSON.stringify(config)], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => waiting.shift()?.(line));
  const next = (): Promise<string> =>
    new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error("the probe process did not answer within 30 s")), 30_000);
      waiting.push((line) => {
        clearTimeout(timer);
        done(line);
      });
    });
  const ask = async (command: string): Promise<WindowReport> => {
    const answer = next();
    child.stdin!.write(`${command}\n`);
    return JSON.parse(await answer) as WindowReport;
  };
  if ((await next()) !== "ready") throw new Error("the probe process did not start");
  child.stdin!.write("start\n");
  // The first window holds the connection's set-up: measured windows start after it.
  await Bun.sleep(300);
  await ask("window");
  return {
    window: () => ask("window"),
    async stop() {
      const last = await ask("stop");
      await new Promise<void>((done) => (child.exitCode !== null ? done() : child.once("exit", () => done())));
      return last;
    },
  };
}

export function windowLatency(window: WindowReport): Latency {
  return latencyOf(window.samples);
}
