// The address ranges --gateway-addresses-from takes, IPv4 or IPv6: "FIRST-LAST"
// (inclusive) or a prefix "ADDR/LEN". Addresses are bigints so both families
// share one arithmetic; each keeps its family for formatting.
import { isIPv4, isIPv6 } from "node:net";

export type IpFamily = 4 | 6;

export interface AddressRange {
  readonly family: IpFamily;
  readonly first: bigint;
  readonly last: bigint;
}

const BITS: Readonly<Record<IpFamily, number>> = { 4: 32, 6: 128 };

function ipv4Value(text: string): bigint {
  return text.split(".").reduce((value, part) => (value << 8n) | BigInt(part), 0n);
}

function ipv6Value(text: string): bigint {
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  const plain = dotted === undefined ? text : `${text.slice(0, -dotted.length)}${((ipv4Value(dotted) >> 16n) & 0xffffn).toString(16)}:${(ipv4Value(dotted) & 0xffffn).toString(16)}`;
  const [head = "", tail] = plain.split("::");
  const groups = (part: string | undefined) => (part === undefined || part === "" ? [] : part.split(":"));
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return all.reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n);
}

/** An IP address as a family and a number; undefined when `text` is neither an IPv4 nor an IPv6 address. */
export function parseIp(text: string): { readonly family: IpFamily; readonly value: bigint } | undefined {
  if (isIPv4(text)) return { family: 4, value: ipv4Value(text) };
  if (isIPv6(text) && !text.includes("%")) return { family: 6, value: ipv6Value(text) };
  return undefined;
}

/** The canonical text of an address (RFC 5952 for IPv6: lower case, the longest zero run as "::"). */
export function formatIp(family: IpFamily, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => Number((value >> shift) & 0xffffn));
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > best.length) best = { start: i, length: end - i };
    i = end;
  }
  const hex = (part: number[]) => part.map((group) => group.toString(16)).join(":");
  if (best.start === -1) return hex(groups);
  return `${hex(groups.slice(0, best.start))}::${hex(groups.slice(best.start + best.length))}`;
}

/**
 * "FIRST-LAST" (same family, first <= last) or "ADDR/LEN". A prefix leaves out
 * its first address (the network, or IPv6's subnet-router anycast) and, for
 * IPv4, its last (broadcast) when it has more than two. Undefined when malformed.
 */
export function parseAddressRange(text: string): AddressRange | undefined {
  const slash = text.indexOf("/");
  if (slash !== -1) {
    const base = parseIp(text.slice(0, slash).trim());
    const lengthText = text.slice(slash + 1).trim();
    if (base === undefined || !/^\d{1,3}$/.test(lengthText)) return undefined;
    const bits = BigInt(BITS[base.family]);
    const length = BigInt(lengthText);
    if (length > bits) return undefined;
    const hostMask = (1n << (bits - length)) - 1n;
    const network = base.value & ~hostMask;
    const size = hostMask + 1n;
    const skipFirst = size > 2n ? 1n : 0n;
    const skipLast = size > 2n && base.family === 4 ? 1n : 0n;
    return { family: base.family, first: network + skipFirst, last: network + hostMask - skipLast };
  }
  const dash = text.indexOf("-");
  if (dash === -1) return undefined;
  const first = parseIp(text.slice(0, dash).trim());
  const last = parseIp(text.slice(dash + 1).trim());
  if (first === undefined || last === undefined || first.family !== last.family || first.value > last.value) return undefined;
  return { family: first.family, first: first.value, last: last.value };
}
