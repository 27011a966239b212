// Courier in cluster mode as its own process, the way the controller tests run it,
// with its admin endpoint on loopback (readiness and metrics). With `profileDir`,
// Bun writes a CPU profile (and its markdown summary) there when Courier exits.
import { join } from "node:path";
import type { Subprocess } from "bun";

export interface CourierProcess {
  readonly pid: number;
  ready(): Promise<boolean>;
  /** One counter or gauge summed over its label sets, from /metrics (0 when absent). */
  metric(name: string, labels?: Readonly<Record<string, string>>): Promise<number>;
  stderrTail(): string;
  stop(): Promise<void>;
}

export interface CourierOptions {
  /** The checkout whose proxy/bin/courier.ts runs. */
  readonly root: string;
  readonly bun: string;
  readonly kubeconfig: string;
  readonly portOffset: number;
  readonly adminPort: number;
  readonly profileDir?: string;
  /** Extra flags for Bun itself (e.g. --smol). */
  readonly bunFlags?: readonly string[];
  /**
   * The memory JavaScriptCore sizes its heap by (BUN_JSC_forceRAMSize), as a
   * container limit would be: without it JSC sizes by the machine's RAM and lets
   * the heap grow to about twice what is live before collecting.
   */
  readonly ramMiB?: number;
}

export function startCourier(options: CourierOptions): CourierProcess {
  const profile = options.profileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${options.profileDir}`];
  const proc: Subprocess<"ignore", "ignore", "pipe"> = Bun.spawn(
    [
      options.bun,
      ...(options.bunFlags ?? []),
      ...profile,
      join(options.root, "proxy/bin/courier.ts"),
      "serve",
      "--kubeconfig",
      options.kubeconfig,
      "--log-level",
      "warn",
      "--port-offset",
      String(options.portOffset),
      "--listen-address",
      "127.0.0.1",
      "--lease-namespace",
      "default",
      "--admin",
      `127.0.0.1:${options.adminPort}`,
    ],
    {
      cwd: options.root,
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
      env: { ...process.env, ...(options.ramMiB === undefined ? {} : { BUN_JSC_forceRAMSize: String(options.ramMiB * 1024 * 1024) }) },
    },
  );
  // If the benchmark itself dies, Courier must not outlive it (its PID, nobody else's).
  const onExit = (): void => void proc.kill("SIGKILL");
  process.on("exit", onExit);
  let tail = "";
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) tail = (tail + decoder.decode(chunk)).slice(-16_384);
  })();
  const admin = `http://127.0.0.1:${options.adminPort}`;
  return {
    pid: proc.pid,
    async ready() {
      try {
        return (await fetch(`${admin}/readyz`, { signal: AbortSignal.timeout(1_000) })).ok;
      } catch {
        return false;
      }
    },
    async metric(name, labels = {}) {
      const text = await (await fetch(`${admin}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
      const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
      let sum = 0;
      for (const line of text.split("\n")) {
        if (!line.startsWith(name) || (line[name.length] !== " " && line[name.length] !== "{")) continue;
        if (wanted.every((w) => line.includes(w))) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
      }
      return sum;
    },
    stderrTail: () => tail,
    async stop() {
      process.off("exit", onExit);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      // A profile is written at exit: give it time.
      const timer = setTimeout(() => proc.kill("SIGKILL"), options.profileDir === undefined ? 10_000 : 60_000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}
