// What every probe client shares: the CA it verifies with, a loop that runs until
// stopped, and the window of results the suite asks for. Subclasses write the loop.
import { readFileSync } from "node:fs";
import type { ClientTarget, ProbeClient, WindowReport } from "./probeProtocol.ts";
import { WindowRecorder } from "./windowRecorder.ts";

export abstract class ProbeLoop implements ProbeClient {
  protected readonly recorder = new WindowRecorder();
  protected readonly ca: string;
  protected stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(protected readonly config: ClientTarget) {
    this.ca = readFileSync(config.caFile, "utf8");
  }

  start(): void {
    this.running = this.run();
  }

  window(): WindowReport {
    return this.recorder.take();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  protected abstract run(): Promise<void>;
}
