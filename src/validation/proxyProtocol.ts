// The courier.dev/proxy-protocol annotation: the proxy sends a header only for the
// exact value it knows, so anything else is a synth error here rather than a route
// that silently sends none.

import { PROXY_PROTOCOL_V2 } from "../../contract/index.js";
import { invalid } from "./messages.js";

/** Returns an error when the proxy would not send a header for `value`. */
export function checkProxyProtocol(field: string, value: string): string | undefined {
  if (value === PROXY_PROTOCOL_V2) return undefined;
  return invalid(field, `${JSON.stringify(value)} is not a PROXY protocol version Courier sends`, `write "${PROXY_PROTOCOL_V2}" (ProxyProtocolVersion.V2), or leave it out for no header`);
}
