// One IPv4 address per Gateway, from a range the operator gives
// (`--gateway-addresses-from 127.0.0.10-127.0.0.250`): Courier binds each
// Gateway's listeners on its own address and reports that address in status,
// so Gateways that share a port (443) do not share a socket.
//
// A Gateway keeps its address for as long as it is served. A new Gateway
// starts at a slot picked by a hash of namespace/name and takes the next free
// one, so a restart usually hands out the same addresses again.

export interface Ipv4Range {
  readonly first: number;
  readonly last: number;
}

function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** "A.B.C.D-E.F.G.H" (inclusive, first <= last); undefined when malformed. */
export function parseIpv4Range(text: string): Ipv4Range | undefined {
  const dash = text.indexOf("-");
  if (dash === -1) return undefined;
  const first = parseIpv4(text.slice(0, dash).trim());
  const last = parseIpv4(text.slice(dash + 1).trim());
  if (first === undefined || last === undefined || first > last) return undefined;
  return { first, last };
}

/** FNV-1a: a stable, well-spread start slot for a key. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class GatewayAddressPool {
  private readonly size: number;
  private readonly byKey = new Map<string, number>();
  private readonly taken = new Set<number>();

  constructor(private readonly range: Ipv4Range) {
    this.size = range.last - range.first + 1;
  }

  /** The address of the Gateway namespace/name, assigned on first request; undefined when the range is used up. */
  addressOf(namespace: string, name: string): string | undefined {
    const key = `${namespace}/${name}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return formatIpv4(known);
    const start = hash(key) % this.size;
    for (let i = 0; i < this.size; i++) {
      const candidate = this.range.first + ((start + i) % this.size);
      if (this.taken.has(candidate)) continue;
      this.taken.add(candidate);
      this.byKey.set(key, candidate);
      return formatIpv4(candidate);
    }
    return undefined;
  }

  /** Frees the addresses of every Gateway not in `live` (namespace/name keys). */
  retainOnly(live: ReadonlySet<string>): void {
    for (const [key, address] of this.byKey) {
      if (live.has(key)) continue;
      this.byKey.delete(key);
      this.taken.delete(address);
    }
  }

  get assigned(): number {
    return this.byKey.size;
  }
}
