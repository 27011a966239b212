// An HTTP CONNECT proxy on loopback that resolves names the way a corporate proxy does
// for clients that cannot: every target host is dialled at `resolveTo` (127.0.0.1).
// A kubeconfig whose server is a name only the proxy knows (kube-api.test) then works
// through proxy-url and fails without it. Records every CONNECT target.
import { connect, createServer, type Server, type Socket } from "node:net";

export interface ConnectProxy {
  readonly url: string;
  /** "host:port" of every CONNECT request so far. */
  readonly targets: string[];
  close(): Promise<void>;
}

export async function startConnectProxy(resolveTo = "127.0.0.1"): Promise<ConnectProxy> {
  const targets: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      client.off("data", onData);
      const match = /^CONNECT ([^\s:]+|\[[^\]]+\]):(\d+) HTTP\/1\.[01]\r\n/.exec(head.subarray(0, end).toString("latin1"));
      if (match === null) {
        client.end("HTTP/1.1 405 Method Not Allowed\r\n\r\n");
        return;
      }
      targets.push(`${match[1]}:${match[2]}`);
      const upstream = connect({ host: resolveTo, port: Number(match[2]) }, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        const rest = head.subarray(end + 4);
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      sockets.add(upstream);
      upstream.on("close", () => sockets.delete(upstream));
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
    };
    client.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
