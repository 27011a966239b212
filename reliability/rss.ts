// Samples a process's resident memory from /proc/PID/statm every 50 ms, so a row (or
// one case of a row) can report RSS before, at its peak and after. VmHWM is not used:
// it is the peak of the process's whole life, not of the window measured.
import { readFileSync } from "node:fs";

export interface RssFigures {
  readonly beforeMiB: number;
  readonly peakMiB: number;
  readonly afterMiB: number;
}

const PAGE_BYTES = 4096;
const MIB = 1024 * 1024;

function rssMiB(pid: number): number | undefined {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    return (pages * PAGE_BYTES) / MIB;
  } catch {
    return undefined;
  }
}

export class RssSampler {
  private readonly before: number;
  private peak: number;
  private last: number;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly pid: number) {
    this.before = rssMiB(pid) ?? 0;
    this.peak = this.before;
    this.last = this.before;
    this.timer = setInterval(() => this.sample(), 50);
  }

  private sample(): void {
    const now = rssMiB(this.pid);
    if (now === undefined) return;
    this.last = now;
    this.peak = Math.max(this.peak, now);
  }

  /** Stops sampling; `after` is the last sample (taken now if the process lives). */
  stop(): RssFigures {
    clearInterval(this.timer);
    this.sample();
    return { beforeMiB: this.before, peakMiB: this.peak, afterMiB: this.last };
  }
}
