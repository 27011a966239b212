// The PROXY protocol v2 header, byte for byte against the layout in HAProxy's
// proxy-protocol.txt (section 2.2).
import { describe, expect, test } from "bun:test";
import { proxyProtocolV2Header, type ProxiedConnection } from "../../../proxy/dataplane/proxyProtocolHeader.ts";

const SIGNATURE = "0d0a0d0a000d0a515549540a";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const conn = (sourceAddress: string, destinationAddress: string, sourcePort = 51000, destinationPort = 443): ProxiedConnection => ({
  sourceAddress,
  sourcePort,
  destinationAddress,
  destinationPort,
});

describe("PROXY protocol v2 header", () => {
  test("TCP over IPv4 with the SNI as an AUTHORITY TLV", () => {
    const header = proxyProtocolV2Header(conn("192.0.2.7", "10.0.0.1"), "db.example.com");
    expect(hex(header)).toBe(
      SIGNATURE +
        "21" + // version 2, PROXY
        "11" + // TCP over IPv4
        "001d" + // 12 address bytes + 3 + 14 TLV bytes = 29
        "c0000207" + // 192.0.2.7
        "0a000001" + // 10.0.0.1
        "c738" + // 51000
        "01bb" + // 443
        "02000e" + // AUTHORITY, 14 bytes
        Buffer.from("db.example.com").toString("hex"),
    );
    expect(header.length).toBe(16 + 29);
  });

  test("TCP over IPv6, with :: compression on both sides", () => {
    const header = proxyProtocolV2Header(conn("2001:db8::7", "fd00::1:2", 65535, 5432), "a");
    expect(hex(header)).toBe(
      SIGNATURE +
        "2121" + // v2 PROXY, TCP over IPv6
        "0028" + // 36 + 4
        "20010db8000000000000000000000007" +
        "fd000000000000000000000000010002" +
        "ffff" +
        "1538" +
        "020001" +
        "61",
    );
  });

  test("IPv4-mapped IPv6 addresses (a dual-stack listener) go as IPv4", () => {
    const mapped = proxyProtocolV2Header(conn("::ffff:127.0.0.7", "::ffff:127.0.0.1", 1, 2), "");
    expect(hex(mapped)).toBe(`${SIGNATURE}2111000c7f0000077f00000100010002`);
    // The same when only the client is mapped, and in the hexadecimal spelling.
    expect(hex(proxyProtocolV2Header(conn("::ffff:7f00:7", "127.0.0.1", 1, 2), ""))).toBe(hex(mapped));
  });

  test("mixed families go as IPv6, the IPv4 side mapped", () => {
    const header = proxyProtocolV2Header(conn("192.0.2.7", "2001:db8::1", 1, 2), "");
    expect(hex(header)).toBe(`${SIGNATURE}21210024${"00".repeat(10)}ffffc0000207${"20010db8" + "00".repeat(11)}0100010002`);
  });

  test("a zone index is dropped; full and mixed IPv6 spellings parse", () => {
    const zoned = proxyProtocolV2Header(conn("fe80::1%eth0", "1:2:3:4:5:6:7:8", 1, 2), "");
    expect(hex(zoned).slice(32, 96)).toBe("fe800000000000000000000000000001" + "00010002000300040005000600070008");
    const embedded = proxyProtocolV2Header(conn("64:ff9b::192.0.2.33", "::1", 1, 2), "");
    expect(hex(embedded).slice(32, 96)).toBe("0064ff9b0000000000000000c0000221" + "00000000000000000000000000000001");
  });

  test("an address that is not IP sends the UNSPEC family: the backend keeps its own view", () => {
    for (const bad of ["", "unix:/tmp/x", "1.2.3", "256.1.1.1", "01.2.3.4", "1::2::3", "1:2:3:4:5:6:7:8:9", "::1:2:3:4:5:6:7:8", "12345::"]) {
      expect(hex(proxyProtocolV2Header(conn(bad, "10.0.0.1"), "h"))).toBe(`${SIGNATURE}2100000402000168`);
    }
    expect(hex(proxyProtocolV2Header(conn("10.0.0.2", "10.0.0.1", 70_000), ""))).toBe(`${SIGNATURE}21000000`);
  });

  test("the longest SNI fits: the TLV length is two bytes", () => {
    const name = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
    const header = proxyProtocolV2Header(conn("10.0.0.2", "10.0.0.1"), name);
    expect(name.length).toBe(253);
    expect(header.length).toBe(16 + 12 + 3 + 253);
    expect(hex(header.subarray(14, 16))).toBe((12 + 3 + 253).toString(16).padStart(4, "0"));
    expect(hex(header.subarray(28, 31))).toBe("0200fd");
  });
});
