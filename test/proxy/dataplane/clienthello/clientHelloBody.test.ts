// The pure ClientHello body parser: fields extracted, SNI policy, and each reason a
// body can be refused for.

import { describe, expect, test } from "bun:test";
import { normalizeServerName, parseClientHelloBody } from "../../../../proxy/dataplane/clienthello/clientHello.ts";
import type { HelloParseResult } from "../../../../proxy/dataplane/clienthello/clientHello.ts";
import { alpnExtension, ascii, helloBody, serverNameExtension, u16, vec } from "./clientHelloBuilder.ts";

function ok(result: HelloParseResult) {
  if (!result.ok) throw new Error(`expected a hello, got ${result.reason}: ${result.detail}`);
  return result.hello;
}

function reasonOf(result: HelloParseResult): string {
  return result.ok ? "ok" : result.reason;
}

describe("parseClientHelloBody", () => {
  test("extracts SNI, ALPN and supported_versions", () => {
    const hello = ok(
      parseClientHelloBody(helloBody({ serverName: "db.example.com", alpn: ["h2", "http/1.1"], versions: [0x0304, 0x0303] })),
    );
    expect(hello).toEqual({ serverName: "db.example.com", alpn: ["h2", "http/1.1"], versions: [0x0304, 0x0303] });
  });

  test("falls back to legacy_version without supported_versions", () => {
    expect(ok(parseClientHelloBody(helloBody({ serverName: "a.b", legacyVersion: 0x0302 }))).versions).toEqual([0x0302]);
  });

  test("drops GREASE versions", () => {
    expect(ok(parseClientHelloBody(helloBody({ versions: [0x3a3a, 0x0304, 0xfafa, 0x0303] }))).versions).toEqual([0x0304, 0x0303]);
  });

  test("a hello without extensions is done, without SNI", () => {
    const hello = ok(parseClientHelloBody(helloBody({ noExtensions: true, legacyVersion: 0x0301 })));
    expect(hello).toEqual({ serverName: undefined, alpn: [], versions: [0x0301] });
  });

  test("absent server_name gives serverName undefined (the connection refuses it as no-sni)", () => {
    const hello = ok(parseClientHelloBody(helloBody({ alpn: ["h2"] })));
    expect(hello.serverName).toBeUndefined();
    expect(ok(parseClientHelloBody(helloBody({ serverName: "x.y" }))).serverName).toBe("x.y");
  });

  test("lowercases SNI and drops one trailing dot", () => {
    expect(ok(parseClientHelloBody(helloBody({ serverName: "Api.EXAMPLE.Com." }))).serverName).toBe("api.example.com");
  });

  test("skips unknown extensions and unknown server name types", () => {
    const sni = { type: 0, data: vec(2, [7, ...vec(2, ascii("other")), 0, ...vec(2, ascii("Real.example"))]) };
    const hello = ok(parseClientHelloBody(helloBody({ extraExtensions: [{ type: 0xff01, data: [0] }, { type: 10, data: [] }, sni] })));
    expect(hello.serverName).toBe("real.example");
  });

  test("a server_name with only unknown name types has no SNI", () => {
    const sni = { type: 0, data: vec(2, [7, ...vec(2, ascii("other"))]) };
    expect(ok(parseClientHelloBody(helloBody({ extraExtensions: [sni] }))).serverName).toBeUndefined();
  });

  test("keeps ALPN bytes outside ASCII as Latin-1 characters", () => {
    const alpn = { type: 16, data: vec(2, [...vec(1, [0xc3, 0xa9]), ...vec(1, ascii("h2"))]) };
    expect(ok(parseClientHelloBody(helloBody({ extraExtensions: [alpn] }))).alpn).toEqual(["\u00c3\u00a9", "h2"]);
  });

  test("parses a hello over 60 KiB of padding", () => {
    const hello = ok(parseClientHelloBody(helloBody({ serverName: "big.example", padding: 60_000 })));
    expect(hello.serverName).toBe("big.example");
  });
});

describe("parseClientHelloBody refuses", () => {
  const cases: readonly (readonly [string, Uint8Array, string])[] = [
    ["an empty body", new Uint8Array(0), "bad-length"],
    ["a body cut inside the random", helloBody().subarray(0, 20), "bad-length"],
    ["legacy_version 2.0", helloBody({ legacyVersion: 0x0200 }), "malformed"],
    ["a session_id over 32 bytes", helloBody({ sessionIdLength: 33 }), "bad-length"],
    ["a session_id past the end", helloBody().subarray(0, 40), "bad-length"],
    ["odd cipher_suites", Uint8Array.from([3, 3, ...new Array<number>(32).fill(0), 0, 0, 3, 1, 2, 3, 1, 0]), "bad-length"],
    ["empty cipher_suites", Uint8Array.from([3, 3, ...new Array<number>(32).fill(0), 0, 0, 0, 1, 0]), "bad-length"],
    ["empty compression_methods", Uint8Array.from([3, 3, ...new Array<number>(32).fill(0), 0, 0, 2, 0x13, 1, 0]), "bad-length"],
    ["extensions past the end", helloBody({ serverName: "a.example" }).subarray(0, -1), "bad-length"],
    ["bytes after the extensions", Uint8Array.from([...helloBody({ serverName: "a.example" }), 0]), "bad-length"],
    ["a truncated extension header", withExtensionsBlock([0, 1, 0]), "bad-length"],
    ["an extension past its block", withExtensionsBlock([0, 16, 0, 9, 0, 2]), "bad-length"],
    ["a duplicate extension", helloBody({ serverName: "a.example", extraExtensions: [serverNameExtension("b.example")] }), "malformed"],
    ["server_name list longer than the extension", helloBody({ extraExtensions: [{ type: 0, data: [0, 9, 0, 0, 1, 0x61] }] }), "bad-length"],
    ["server_name list shorter than the extension", helloBody({ extraExtensions: [{ type: 0, data: [0, 4, 0, 0, 1, 0x61, 0] }] }), "bad-length"],
    ["an empty server_name list", helloBody({ extraExtensions: [{ type: 0, data: [0, 0] }] }), "bad-length"],
    ["an empty server_name extension", helloBody({ extraExtensions: [{ type: 0, data: [] }] }), "bad-length"],
    ["a host_name past its list", helloBody({ extraExtensions: [{ type: 0, data: [0, 4, 0, 0, 5, 0x61] }] }), "bad-length"],
    ["a truncated server_name entry", helloBody({ extraExtensions: [{ type: 0, data: [0, 2, 0, 0] }] }), "bad-length"],
    ["two host_names", helloBody({ extraExtensions: [{ type: 0, data: vec(2, [0, ...vec(2, ascii("a.b")), 0, ...vec(2, ascii("c.d"))]) }] }), "malformed"],
    ["ALPN list longer than the extension", helloBody({ extraExtensions: [{ type: 16, data: [0, 9, 2, 0x68, 0x32] }] }), "bad-length"],
    ["an empty ALPN list", helloBody({ extraExtensions: [{ type: 16, data: [0, 0] }] }), "bad-length"],
    ["an ALPN name past its list", helloBody({ extraExtensions: [{ type: 16, data: [0, 3, 5, 0x68, 0x32] }] }), "bad-length"],
    ["an empty ALPN name", helloBody({ extraExtensions: [{ type: 16, data: [0, 3, 0, 1, 0x61] }] }), "bad-length"],
    ["supported_versions longer than the extension", helloBody({ extraExtensions: [{ type: 43, data: [4, 3, 4] }] }), "bad-length"],
    ["odd supported_versions", helloBody({ extraExtensions: [{ type: 43, data: [3, 3, 4, 3] }] }), "bad-length"],
    ["empty supported_versions", helloBody({ extraExtensions: [{ type: 43, data: [0] }] }), "bad-length"],
    ["supported_versions with bytes over", helloBody({ extraExtensions: [{ type: 43, data: [2, 3, 4, 0] }] }), "bad-length"],
    ["an SNI with a space", helloBody({ serverName: "a b.example" }), "bad-sni"],
    ["an SNI with UTF-8", helloBody({ serverName: [0x63, 0x61, 0x66, 0xc3, 0xa9, 0x2e, 0x66, 0x72] }), "bad-sni"],
    ["an SNI with a NUL", helloBody({ serverName: [0x61, 0x00, 0x2e, 0x62] }), "bad-sni"],
    ["an empty SNI", helloBody({ serverName: "" }), "bad-sni"],
    ["a wildcard SNI", helloBody({ serverName: "*.example.com" }), "bad-sni"],
  ];
  for (const [name, body, reason] of cases) {
    test(name, () => expect(reasonOf(parseClientHelloBody(body))).toBe(reason));
  }

  test("ALPN empty list via the builder helper is refused", () => {
    expect(reasonOf(parseClientHelloBody(helloBody({ extraExtensions: [alpnExtension([])] })))).toBe("bad-length");
  });
});

/** A body whose extensions block holds exactly `block`. */
function withExtensionsBlock(block: readonly number[]): Uint8Array {
  const base = helloBody({ noExtensions: true });
  return Uint8Array.from([...base, ...u16(block.length), ...block]);
}

describe("normalizeServerName", () => {
  const name = (text: string) => normalizeServerName(Uint8Array.from(ascii(text)));
  const accepted: readonly (readonly [string, string])[] = [
    ["Example.COM", "example.com"],
    ["example.com.", "example.com"],
    ["localhost", "localhost"],
    ["_svc.my-host.internal", "_svc.my-host.internal"],
    ["xn--caf-dma.fr", "xn--caf-dma.fr"],
    ["10.0.0.1", "10.0.0.1"],
    [`${"a".repeat(63)}.example`, `${"a".repeat(63)}.example`],
  ];
  for (const [input, output] of accepted) {
    test(`accepts ${input.slice(0, 30)}`, () => expect(name(input)).toEqual({ ok: true, name: output }));
  }
  const refused = [
    "example.com..",
    ".",
    ".example.com",
    "a..b",
    `${"a".repeat(64)}.example`,
    `${"abcdefghi.".repeat(26)}com`, // 263 characters
    "example.com:443",
    "[::1]",
    "a/b",
    "*.example.com",
  ];
  for (const input of refused) {
    test(`refuses ${input.slice(0, 30)}`, () => expect(name(input).ok).toBe(false));
  }
});
