// The PROXY protocol v2 header (HAProxy's proxy-protocol.txt, section 2.2): the
// binary preface that tells a backend who the client is, since the TCP connection it
// sees comes from Courier. Pure: addresses in, bytes out. The connection writes it.

/** "\r\n\r\n\0\r\nQUIT\n": no other protocol starts like this. */
const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
/** Version 2 (high nibble), command PROXY (low nibble): the addresses are the client's. */
const V2_PROXY = 0x21;
/** Address family (high nibble) and transport (low nibble, 1 = stream). */
const TCP_OVER_IPV4 = 0x11;
const TCP_OVER_IPV6 = 0x21;
/** Family unknown: the receiver keeps the connection's own addresses. */
const UNSPEC = 0x00;
/** TLV: the host name the client asked for (here the SNI), UTF-8. */
const PP2_TYPE_AUTHORITY = 0x02;

/** The two ends of the client's connection to Courier, as the sockets report them. */
export interface ProxiedConnection {
  /** The client's address and port. */
  readonly sourceAddress: string;
  readonly sourcePort: number;
  /** The listener's local address and port the client connected to. */
  readonly destinationAddress: string;
  readonly destinationPort: number;
}

/**
 * The header for `connection`, with an AUTHORITY TLV carrying `serverName` when not
 * empty. Both addresses go as IPv4 when both are IPv4 (an IPv4-mapped IPv6 address
 * such as "::ffff:10.0.0.7", what a dual-stack socket reports, counts as IPv4), else
 * both as IPv6; an address that is neither sends the UNSPEC family, which tells the
 * backend to keep the connection's own addresses.
 */
export function proxyProtocolV2Header(connection: ProxiedConnection, serverName: string): Uint8Array {
  const addresses = addressBlock(connection);
  const authority = new TextEncoder().encode(serverName);
  const tlv = authority.length === 0 ? [] : [PP2_TYPE_AUTHORITY, authority.length >> 8, authority.length & 0xff, ...authority];
  const length = addresses.bytes.length + tlv.length;
  return Uint8Array.from([...SIGNATURE, V2_PROXY, addresses.family, length >> 8, length & 0xff, ...addresses.bytes, ...tlv]);
}

function addressBlock(c: ProxiedConnection): { family: number; bytes: number[] } {
  const source = parseAddress(c.sourceAddress);
  const destination = parseAddress(c.destinationAddress);
  if (source === undefined || destination === undefined || !validPort(c.sourcePort) || !validPort(c.destinationPort)) return { family: UNSPEC, bytes: [] };
  const ports = [c.sourcePort >> 8, c.sourcePort & 0xff, c.destinationPort >> 8, c.destinationPort & 0xff];
  if (source.length === 4 && destination.length === 4) return { family: TCP_OVER_IPV4, bytes: [...source, ...destination, ...ports] };
  return { family: TCP_OVER_IPV6, bytes: [...asIpv6(source), ...asIpv6(destination), ...ports] };
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 0xffff;
}

/** 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 for other IPv6, undefined for anything else. */
function parseAddress(text: string): number[] | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return v4;
  const v6 = parseIpv6(text);
  if (v6 === undefined) return undefined;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

function asIpv6(bytes: number[]): number[] {
  return bytes.length === 16 ? bytes : [...Array<number>(10).fill(0), 0xff, 0xff, ...bytes];
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

function parseIpv6(text: string): number[] | undefined {
  // A zone ("fe80::1%eth0") names a local interface; the backend has no use for it.
  const address = text.split("%")[0]!;
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (const [i, part] of parts.entries()) {
      // The last part may be a dotted IPv4 address ("::ffff:1.2.3.4").
      const v4 = i === parts.length - 1 ? parseIpv4(part) : undefined;
      if (v4 !== undefined) out.push(...v4);
      else if (/^[0-9a-fA-F]{1,4}$/.test(part)) out.push(parseInt(part, 16) >> 8, parseInt(part, 16) & 0xff);
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 16 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 2) return undefined;
  return [...head, ...Array<number>(missing).fill(0), ...tail];
}
