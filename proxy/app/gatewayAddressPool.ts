// One address per Gateway, from a range the operator gives (IPv4 or IPv6,
// `--gateway-addresses-from 127.0.0.10-127.0.0.250`, `fd00:10::/112`): Courier binds each
// Gateway's listeners on its own address and reports that address in status,
// so Gateways that share a port (443) do not share a socket.
//
// A Gateway keeps its address for as long as it is served. A new Gateway
// starts at a slot picked by a hash of namespace/name and takes the next free
// one, so a restart usually hands out the same addresses again.
import { formatIp, type AddressRange } from "./addressRange.ts";

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
  private readonly size: bigint;
  private readonly byKey = new Map<string, bigint>();
  private readonly taken = new Set<bigint>();

  constructor(private readonly range: AddressRange) {
    this.size = range.last - range.first + 1n;
  }

  /** The address of the Gateway namespace/name, assigned on first request; undefined when the range is used up. */
  addressOf(namespace: string, name: string): string | undefined {
    const key = `${namespace}/${name}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return formatIp(this.range.family, known);
    const start = BigInt(hash(key)) % this.size;
    // Of any taken+1 consecutive slots one is free: an IPv6 prefix is never walked whole.
    const tries = this.size < BigInt(this.taken.size + 1) ? this.size : BigInt(this.taken.size + 1);
    for (let i = 0n; i < tries; i++) {
      const candidate = this.range.first + ((start + i) % this.size);
      if (this.taken.has(candidate)) continue;
      this.taken.add(candidate);
      this.byKey.set(key, candidate);
      return formatIp(this.range.family, candidate);
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
