// One active health check against one endpoint: a TCP connect, or a TLS ClientHello
// that must be answered by a ServerHello, each within the timeout. The socket is
// closed as soon as the answer is known; nothing is forwarded.
import type { Socket } from "bun";
import type { HealthCheckKind } from "../../contract/index.ts";
import type { EndpointAddress } from "../model/plan.ts";
import { buildProbeHello, judgeProbeReply, PROBE_RANDOM_BYTES } from "./probeHello.ts";

/** How a check ended; the label of courier_health_checks_total. */
export type ProbeResult = "passed" | "timeout" | "connect-failed" | "closed" | "alert" | "not-server-hello";

export interface ProbeRequest {
  readonly endpoint: EndpointAddress;
  readonly kind: HealthCheckKind;
  readonly sni: string | undefined;
  readonly timeoutMs: number;
}

/** A TLS answer is judged on its first bytes; more than this is never kept. */
const REPLY_BYTES = 6;

export function probeEndpoint(request: ProbeRequest): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let socket: Socket<undefined> | undefined;
    let received = new Uint8Array(0);
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.terminate();
      resolve(result);
    };
    const timer = setTimeout(() => finish("timeout"), request.timeoutMs);
    Bun.connect<undefined>({
      hostname: request.endpoint.host,
      port: request.endpoint.port,
      socket: {
        open(opened) {
          socket = opened;
          if (settled) return void opened.terminate();
          if (request.kind === "tcp") return finish("passed");
          opened.write(buildProbeHello(request.sni, crypto.getRandomValues(new Uint8Array(PROBE_RANDOM_BYTES))));
        },
        data(_socket, chunk) {
          const joined = new Uint8Array(Math.min(received.length + chunk.length, REPLY_BYTES));
          joined.set(received);
          joined.set(chunk.subarray(0, joined.length - received.length), received.length);
          received = joined;
          const reply = judgeProbeReply(received);
          if (reply === "server-hello") finish("passed");
          else if (reply !== "need-more") finish(reply);
        },
        end() {
          finish("closed");
        },
        close() {
          finish("closed");
        },
        connectError() {
          finish("connect-failed");
        },
        error() {
          // close follows.
        },
      },
    }).catch(() => finish("connect-failed"));
  });
}
