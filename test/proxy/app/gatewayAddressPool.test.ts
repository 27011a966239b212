import { describe, expect, test } from "bun:test";
import { parseServeArgs } from "../../../proxy/app/cli.ts";
import { formatIpv4, GatewayAddressPool, parseIpv4Range } from "../../../proxy/app/gatewayAddressPool.ts";

const range = (text: string) => {
  const parsed = parseIpv4Range(text);
  if (parsed === undefined) throw new Error(`bad range ${text}`);
  return parsed;
};

describe("gateway address pool", () => {
  test("ranges parse inclusively and reject malformed text", () => {
    expect(parseIpv4Range("127.0.0.10-127.0.0.250")).toEqual({ first: 0x7f00000a, last: 0x7f0000fa });
    expect(parseIpv4Range("127.0.0.9-127.0.0.9")).toEqual({ first: 0x7f000009, last: 0x7f000009 });
    expect(formatIpv4(0x7f0001fe)).toBe("127.0.1.254");
    for (const bad of ["127.0.0.10", "127.0.0.250-127.0.0.10", "127.0.0.256-127.0.1.1", "a-b", "127.0.0-127.0.0.2", "::1-::2"]) {
      expect(parseIpv4Range(bad)).toBeUndefined();
    }
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
    expect(parsed.options.gatewayAddressRange).toEqual({ first: 0x7f00000a, last: 0x7f0000fa });
    expect(parseServeArgs(["--gateway-addresses-from", "127.0.0.10"])).toEqual({ error: '--gateway-addresses-from must be an IPv4 range FIRST-LAST, not "127.0.0.10"' });
    expect(parseServeArgs(["--gateway-addresses-from", "127.0.0.1-127.0.0.2", "--gateway-address", "1.2.3.4"])).toEqual({
      error: "--gateway-addresses-from and --gateway-address exclude each other",
    });
  });
});
