// A --port-offset under which several Gateway ports all land on free loopback ports.
import { createServer } from "node:net";
import { freePort } from "./ports.ts";

/** Whether nothing listens on 127.0.0.1:port right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
  });
}

/** An offset that moves every one of `ports` (the first one decides) onto a free loopback port. */
export async function freeOffset(ports: readonly number[]): Promise<number> {
  const [first, ...others] = ports;
  if (first === undefined) throw new Error("freeOffset needs at least one port");
  for (let tries = 0; tries < 50; tries++) {
    const candidate = (await freePort()) - first;
    let fits = true;
    for (const port of others) {
      if (port + candidate > 65535 || !(await portIsFree(port + candidate))) {
        fits = false;
        break;
      }
    }
    if (fits) return candidate;
  }
  throw new Error(`no port offset with all of ${ports.join(", ")} free`);
}
