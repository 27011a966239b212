// Collects one window of a probe client's figures.
import type { WindowReport } from "./probeProtocol.ts";

const KEPT_ERRORS = 5;

export class WindowRecorder {
  private samples: number[] = [];
  private failures = 0;
  private bytesLost = 0;
  private errors: string[] = [];

  sample(ms: number): void {
    this.samples.push(Math.round(ms * 10) / 10);
  }

  failure(message: string, bytesLost = 0): void {
    this.failures++;
    this.bytesLost += bytesLost;
    if (this.errors.length < KEPT_ERRORS) this.errors.push(message);
  }

  take(): WindowReport {
    const report = { samples: this.samples, failures: this.failures, bytesLost: this.bytesLost, errors: this.errors };
    this.samples = [];
    this.failures = 0;
    this.bytesLost = 0;
    this.errors = [];
    return report;
  }
}
