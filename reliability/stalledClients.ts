// Connections that open and then stall (after sending a few bytes, or none): the
// slowloris and the flood. Each records when it opened and when the proxy closed it.
import { connect, type Socket } from "node:net";

export interface StalledClient {
  readonly openedAt: number;
  /** When the proxy closed it (ms since epoch); undefined while open. */
  closedAt(): number | undefined;
  destroy(): void;
}

function openOne(port: number, localAddress: string, first: Uint8Array): Promise<StalledClient> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: "127.0.0.1", port, localAddress });
    let closedAt: number | undefined;
    const closed = (): void => void (closedAt ??= Date.now());
    socket.once("error", (error) => (closedAt === undefined && !socket.readyState.includes("open") ? reject(error) : closed()));
    socket.once("connect", () => {
      if (first.length > 0) socket.write(first);
      resolve({ openedAt: Date.now(), closedAt: () => closedAt, destroy: () => socket.destroy() });
    });
    socket.on("data", () => {});
    socket.once("end", closed);
    socket.once("close", closed);
  });
}

/** `count` connections spread round-robin over `addresses`, `batch` opening at a time. */
export async function openStalled(port: number, count: number, addresses: readonly string[], first: Uint8Array, batch = 200): Promise<{ clients: StalledClient[]; failedToOpen: number }> {
  const clients: StalledClient[] = [];
  let failedToOpen = 0;
  for (let i = 0; i < count; i += batch) {
    const opened = await Promise.allSettled(Array.from({ length: Math.min(batch, count - i) }, (_, j) => openOne(port, addresses[(i + j) % addresses.length]!, first)));
    for (const o of opened) {
      if (o.status === "fulfilled") clients.push(o.value);
      else failedToOpen++;
    }
  }
  return { clients, failedToOpen };
}

/** Source addresses 127.<second>.0.1 ... on loopback, `count` of them. */
export function loopbackAddresses(second: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `127.${second}.${Math.floor(i / 250)}.${(i % 250) + 1}`);
}
