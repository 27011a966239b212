// A real TLS client that opens a new connection through Courier every 50 ms, reads
// the backend's greeting, has one line echoed, and closes: its set-up times are the
// latency a new client sees; a connection that fails is counted with its error.
import { echoLine } from "../../test/helpers/echoLine.ts";
import { openTls } from "../../test/helpers/tlsClient.ts";
import { ProbeLoop } from "./probeLoop.ts";

const INTERVAL_MS = 50;
const LINE = "hello through courier";

export class ConnectLoop extends ProbeLoop {
  protected async run(): Promise<void> {
    while (!this.stopped) {
      const started = performance.now();
      try {
        const session = await openTls(this.config.proxyPort, this.config.sni, this.ca);
        try {
          await session.firstLine;
          const back = await echoLine(session, LINE);
          if (back !== LINE) throw new Error(`echo came back as ${JSON.stringify(back.slice(0, 80))}`);
          this.recorder.sample(performance.now() - started);
        } finally {
          session.socket.destroy();
        }
      } catch (error) {
        this.recorder.failure(`connect: ${(error as Error).message}`);
      }
      await Bun.sleep(Math.max(0, started + INTERVAL_MS - performance.now()));
    }
  }
}
