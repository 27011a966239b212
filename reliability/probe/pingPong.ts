// A long-lived TLS stream through Courier that sends a 64-byte ping every 10 ms to an
// echo backend and checks that the same 64 bytes come back: its round trips show any
// stall of forwarding; a ping that does not come back is lost bytes.
import { echoLine } from "../../test/helpers/echoLine.ts";
import { openTls, type TlsSession } from "../../test/helpers/tlsClient.ts";
import { ProbeLoop } from "./probeLoop.ts";

const PING_BYTES = 64;
const INTERVAL_MS = 10;

/** 63 printable bytes plus the newline the echo line ends with: a sequence number, then filler. */
function ping(seq: number): string {
  const head = `ping ${seq} `;
  return head + "x".repeat(PING_BYTES - 1 - head.length);
}

export class PingPong extends ProbeLoop {
  private session: TlsSession | undefined;

  protected async run(): Promise<void> {
    let seq = 0;
    while (!this.stopped) {
      let outstanding = 0;
      try {
        this.session = await openTls(this.config.proxyPort, this.config.sni, this.ca);
        await this.session.firstLine;
        // The backend's first line is its command: anything else turns it into an echo.
        await echoLine(this.session, "ping-pong");
        while (!this.stopped) {
          const line = ping(seq++);
          const sent = performance.now();
          outstanding = PING_BYTES;
          const back = await echoLine(this.session, line);
          outstanding = 0;
          const rtt = performance.now() - sent;
          if (back !== line) throw new Error(`ping ${seq - 1} came back as ${JSON.stringify(back.slice(0, 80))}`);
          this.recorder.sample(rtt);
          await Bun.sleep(Math.max(0, INTERVAL_MS - rtt));
        }
      } catch (error) {
        this.recorder.failure(`ping-pong: ${(error as Error).message}`, outstanding);
        await Bun.sleep(INTERVAL_MS);
      } finally {
        this.session?.socket.destroy();
        this.session = undefined;
      }
    }
  }
}
