// Every process the benchmark starts goes through here: pinned to a core, tracked by
// PID, and stopped by PID. The live PIDs are also written to a file so that
// scripts/bench.sh can stop leftovers if this program itself dies.
import { writeFileSync } from "node:fs";
import type { Subprocess } from "bun";

/** The proxy core, the load core, or both (a proxy with two worker threads). */
export type Core = 0 | 1 | "0,1";

export interface Started {
  readonly name: string;
  readonly pid: number;
  readonly proc: Subprocess<"ignore" | "pipe", "pipe" | "ignore", "pipe">;
  /** The last few KiB the process wrote to stderr (read continuously so it never blocks). */
  stderrTail(): string;
}

export interface StartOptions {
  readonly core: Core;
  /** stdin as a pipe (the idle workload closes it to end the hold). */
  readonly stdin?: boolean;
  /** Keep stdout as a pipe to read results; otherwise it is discarded. */
  readonly stdout?: boolean;
  readonly cwd?: string;
}

export class Processes {
  private readonly live = new Map<number, Started>();
  private readonly external = new Set<number>();

  constructor(private readonly pidFile: string) {
    this.record();
  }

  start(name: string, command: readonly string[], options: StartOptions): Started {
    // taskset execs the command, so the PID we get is the program's own.
    const proc = Bun.spawn(["taskset", "-c", String(options.core), ...command], {
      stdin: options.stdin === true ? "pipe" : "ignore",
      stdout: options.stdout === true ? "pipe" : "ignore",
      stderr: "pipe",
      cwd: options.cwd,
    });
    let tail = "";
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of proc.stderr) tail = (tail + decoder.decode(chunk)).slice(-8192);
    })();
    const started: Started = { name, pid: proc.pid, proc, stderrTail: () => tail };
    this.live.set(proc.pid, started);
    this.record();
    return started;
  }

  /**
   * Records a process started elsewhere (the PostgreSQL helper starts its own) so
   * that scripts/bench.sh can stop it if this program dies; returns the undo.
   */
  track(pid: number): () => void {
    this.external.add(pid);
    this.record();
    return () => {
      this.external.delete(pid);
      this.record();
    };
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(started: Started, graceMs = 3_000): Promise<void> {
    if (started.proc.exitCode === null && started.proc.signalCode === null) {
      started.proc.kill("SIGTERM");
      const timer = setTimeout(() => started.proc.kill("SIGKILL"), graceMs);
      await started.proc.exited;
      clearTimeout(timer);
    }
    this.live.delete(started.pid);
    this.record();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((p) => this.stop(p, 1_000)));
  }

  /**
   * Synchronous last resort for exit handlers. SIGTERM, not SIGKILL: nginx's master
   * takes its worker down with it only when it is allowed to.
   */
  killAllNow(): void {
    for (const p of this.live.values()) p.proc.kill("SIGTERM");
    this.live.clear();
    this.record();
  }

  private record(): void {
    writeFileSync(this.pidFile, [...this.live.keys(), ...this.external].map((pid) => `${pid}\n`).join(""));
  }
}
