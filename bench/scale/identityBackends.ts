// Backends that say who they are: on a connection's first bytes (the ClientHello
// Courier replays) each answers its own name and a newline, then closes. Courier
// never decrypts, so a probe needs no TLS stack to learn which backend it reached.
// They listen on one of the host's own non-loopback addresses: the API server refuses
// EndpointSlice addresses in 127.0.0.0/8, and an address of this host needs no
// network namespace (nor root) to reach.
import { networkInterfaces } from "node:os";
import type { TCPSocketListener } from "bun";

/** An IPv4 address of this host outside loopback and link-local, for EndpointSlices. */
export function hostAddress(): string {
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === "IPv4" && !entry.internal && !entry.address.startsWith("169.254.")) return entry.address;
    }
  }
  throw new Error("this host has no IPv4 address outside loopback: the API server refuses loopback endpoints");
}

export interface IdentityBackend {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  stop(): void;
}

export function startIdentityBackend(name: string, address: string, port = 0): IdentityBackend {
  const reply = Buffer.from(`${name}\n`);
  const listener: TCPSocketListener<{ answered: boolean }> = Bun.listen<{ answered: boolean }>({
    hostname: address,
    port,
    socket: {
      open(socket) {
        socket.data = { answered: false };
      },
      data(socket) {
        if (socket.data.answered) return;
        socket.data.answered = true;
        socket.end(reply);
      },
      error() {},
    },
  });
  return { name, address, port: listener.port, stop: () => listener.stop(true) };
}
