// What a connection writes to each new upstream socket before any byte of the
// client's: the PROXY protocol header when the route asks for one, then, for a
// PostgreSQL client, the SSLRequest replayed on its behalf (a PROXY-aware peer reads
// the header first, whatever protocol follows). Every retry on another endpoint
// gets its own preface: the header describes the client, not the endpoint.
import type { Socket } from "bun";
import type { RouteSettings } from "../model/plan.ts";
import { SSL_REQUEST } from "./postgresPreamble.ts";
import { proxyProtocolV2Header } from "./proxyProtocolHeader.ts";

/**
 * The bytes to write first, or undefined when there are none. `client` is read only
 * when the route asks for a header: its addresses as seen by Courier, the client's
 * remote end being the source and the listener's local end the destination.
 */
export function upstreamPreface(settings: RouteSettings, client: Socket<unknown>, serverName: string, postgres: boolean): Uint8Array | undefined {
  if (settings.proxyProtocol === undefined) return postgres ? SSL_REQUEST : undefined;
  const header = proxyProtocolV2Header(
    {
      sourceAddress: client.remoteAddress,
      sourcePort: client.remotePort,
      destinationAddress: client.localAddress,
      destinationPort: client.localPort,
    },
    serverName,
  );
  return postgres ? Buffer.concat([header, SSL_REQUEST]) : header;
}
