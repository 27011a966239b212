// One new connection through Courier: a ClientHello with the given SNI, then the
// name of the backend that answered (see identityBackends.ts), or undefined when
// Courier refused or nothing answered in time. `routedWithin` repeats it until the
// expected backend answers: how long a route change takes to reach new connections.
import { clientHello } from "../../test/proxy/dataplane/clienthello/clientHelloBuilder.ts";

const PROBE_TIMEOUT_MS = 2_000;
const PROBE_GAP_MS = 5;

const hellos = new Map<string, Uint8Array>();

export function probeOnce(port: number, serverName: string): Promise<string | undefined> {
  let hello = hellos.get(serverName);
  if (hello === undefined) hellos.set(serverName, (hello = clientHello({ serverName, versions: [0x0304] })));
  const bytes = hello;
  return new Promise((resolve) => {
    let text = "";
    let done = false;
    const finish = (value: string | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => finish(undefined), PROBE_TIMEOUT_MS);
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(socket) {
          socket.write(bytes);
        },
        data(socket, chunk) {
          text += chunk.toString("latin1");
          const newline = text.indexOf("\n");
          if (newline >= 0) {
            finish(text.slice(0, newline));
            socket.end();
          }
        },
        close() {
          finish(undefined);
        },
        error() {
          finish(undefined);
        },
      },
    }).catch(() => finish(undefined));
  });
}

/**
 * Probes until `expected` answers; resolves with the milliseconds since `since`
 * (performance.now()), or undefined once `deadline` (performance.now()) passes.
 */
export async function routedWithin(port: number, serverName: string, expected: string, since: number, deadline: number): Promise<number | undefined> {
  while (performance.now() < deadline) {
    if ((await probeOnce(port, serverName)) === expected) return performance.now() - since;
    await Bun.sleep(PROBE_GAP_MS);
  }
  return undefined;
}
