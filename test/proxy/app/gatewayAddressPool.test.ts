import { describe, expect, test } from "bun:test";
import { parseServeArgs } from "../../../proxy/app/cli.ts";
import { formatIp, parseAddressRange, parseIp } from "../../../proxy/app/addressRange.ts";
import { GatewayAddressPool } from "../../../proxy/app/gatewayAddressPool.ts";

const range = (text: string) => {
  const parsed = parseAddressRange(text);
  if (parsed === undefined) throw new Error(`bad range ${text}`);
  return parsed;
};

describe("gateway address pool", () => {
  test("ranges parse inclusively and reject malformed text", () => {
    expect(parseAddressRange("127.0.0.10-127.0.0.250")).toEqual({ family: 4, first: 0x7f00000an, last: 0x7f0000fan });
    expect(parseAddressRange("127.0.0.9-127.0.0.9")).toEqual({ family: 4, first: 0x7f000009n, last: 0x7f000009n });
    expect(formatIp(4, 0x7f0001fen)).toBe("127.0.1.254");
    for (const bad of ["127.0.0.10", "127.0.0.250-127.0.0.10", "127.0.0.256-127.0.1.1", "a-b", "127.0.0-127.0.0.2", "::2-::1", "127.0.0.1-::2", "10.0.0.0/33", "fd00::/129", "fd00::/x", "fe80::1%eth0-fe80::2%eth0"]) {
      expect(parseAddressRange(bad)).toBeUndefined();
    }
  });

  test("IPv6 ranges and prefixes of either family", () => {
    expect(parseAddressRange("fd00:10::1-fd00:10::ff")).toEqual({ family: 6, first: (0xfd000010n << 96n) + 1n, last: (0xfd000010n << 96n) + 0xffn });
    // A prefix leaves out the network (and, for IPv4, the broadcast) address.
    expect(parseAddressRange("10.1.2.0/24")).toEqual({ family: 4, first: 0x0a010201n, last: 0x0a0102fen });
    expect(parseAddressRange("10.1.2.7/32")).toEqual({ family: 4, first: 0x0a010207n, last: 0x0a010207n });
    expect(parseAddressRange("fd00:10::/112")).toEqual({ family: 6, first: (0xfd000010n << 96n) + 1n, last: (0xfd000010n << 96n) + 0xffffn });
    // Host bits of the base address are masked off.
    expect(parseAddressRange("fd00:10::5/120")).toEqual(parseAddressRange("fd00:10::/120"));
  });

  test("IPv6 addresses parse in every notation and print canonically (RFC 5952)", () => {
    const canonical = (text: string) => {
      const ip = parseIp(text);
      return ip === undefined ? undefined : formatIp(ip.family, ip.value);
    };
    expect(canonical("::1")).toBe("::1");
    expect(canonical("::")).toBe("::");
    expect(canonical("FD00:0010:0000:0000:0000:0000:0000:0001")).toBe("fd00:10::1");
    expect(canonical("2001:db8:0:0:1:0:0:1")).toBe("2001:db8::1:0:0:1");
    expect(canonical("2001:db8:0:1:1:1:1:1")).toBe("2001:db8:0:1:1:1:1:1");
    expect(canonical("::ffff:192.0.2.1")).toBe("::ffff:c000:201");
    expect(canonical("1::")).toBe("1::");
    expect(canonical("not-an-ip")).toBeUndefined();
  });

  test("an IPv6 pool hands out distinct addresses of its prefix, stable across restarts, never walking the prefix", () => {
    const pool = new GatewayAddressPool(range("fd00:10::/64"));
    const names = Array.from({ length: 20 }, (_, i) => `gw-${i}`);
    const given = names.map((name) => pool.addressOf("infra", name)!);
    expect(new Set(given).size).toBe(20);
    for (const address of given) expect(parseIp(address)!.value >> 64n).toBe(0xfd00001000000000n);
    const again = new GatewayAddressPool(range("fd00:10::/64"));
    expect([...names].reverse().map((name) => again.addressOf("infra", name)).reverse()).toEqual(given);
    const tiny = new GatewayAddressPool(range("fd00::1-fd00::2"));
    expect(new Set([tiny.addressOf("ns", "a"), tiny.addressOf("ns", "b")])).toEqual(new Set(["fd00::1", "fd00::2"]));
    expect(tiny.addressOf("ns", "c")).toBeUndefined();
  });

  test("each Gateway gets its own address, the same one on every ask", () => {
    const pool = new GatewayAddressPool(range("127.0.0.10-127.0.0.250"));
    const names = Array.from({ length: 40 }, (_, i) => `gw-${i}`);
    const first = names.map((name) => pool.addressOf("infra", name));
    expect(new Set(first).size).toBe(40);
    for (const address of first) {
      const last = Number(address!.split(".")[3]);
      expect(address!.startsWith("127.0.0.")).toBe(true);
      expect(last >= 10 && last <= 250).toBe(true);
    }
    expect(names.map((name) => pool.addressOf("infra", name))).toEqual(first);
    // The namespace is part of the identity.
    expect(pool.addressOf("other", "gw-0")).not.toBe(first[0]);
  });

  test("a restart hands out the same address: the start slot is a hash of namespace/name", () => {
    const before = new GatewayAddressPool(range("127.0.0.10-127.0.0.250"));
    const after = new GatewayAddressPool(range("127.0.0.10-127.0.0.250"));
    const names = ["same-namespace", "gateway-tls", "gateway-wildcard", "backend-namespaces"];
    const seen = names.map((name) => before.addressOf("gateway-conformance-infra", name));
    // Asked in the opposite order, after a restart.
    const again = [...names].reverse().map((name) => after.addressOf("gateway-conformance-infra", name)).reverse();
    expect(again).toEqual(seen);
  });

  test("a full range yields undefined; released addresses are reused; live ones stay put", () => {
    const pool = new GatewayAddressPool(range("127.0.0.1-127.0.0.3"));
    const a = pool.addressOf("ns", "a");
    const b = pool.addressOf("ns", "b");
    const c = pool.addressOf("ns", "c");
    expect(new Set([a, b, c])).toEqual(new Set(["127.0.0.1", "127.0.0.2", "127.0.0.3"]));
    expect(pool.addressOf("ns", "d")).toBeUndefined();
    pool.retainOnly(new Set(["ns/a", "ns/c"]));
    expect(pool.assigned).toBe(2);
    expect(pool.addressOf("ns", "d")).toBe(b);
    expect(pool.addressOf("ns", "a")).toBe(a);
    expect(pool.addressOf("ns", "c")).toBe(c);
  });

  test("courier serve --gateway-addresses-from", () => {
    const parsed = parseServeArgs(["--kubeconfig", "k", "--gateway-addresses-from", "127.0.0.10-127.0.0.250"]);
    if (!("options" in parsed)) throw new Error(parsed.error);
    expect(parsed.options.gatewayAddressRange).toEqual({ family: 4, first: 0x7f00000an, last: 0x7f0000fan });
    const v6 = parseServeArgs(["--kubeconfig", "k", "--gateway-addresses-from", "fd00:10::/120"]);
    if (!("options" in v6)) throw new Error(v6.error);
    expect(v6.options.gatewayAddressRange?.family).toBe(6);
    expect(parseServeArgs(["--gateway-addresses-from", "127.0.0.10"])).toEqual({ error: '--gateway-addresses-from must be an IPv4 or IPv6 range FIRST-LAST or ADDR/LEN, not "127.0.0.10"' });
    expect(parseServeArgs(["--gateway-addresses-from", "127.0.0.1-127.0.0.2", "--gateway-address", "1.2.3.4"])).toEqual({
      error: "--gateway-addresses-from and --gateway-address exclude each other",
    });
  });
});
