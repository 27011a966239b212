// Hostname rules of the contract: validity, matching, intersection and precedence.
import { describe, expect, test } from "bun:test";
import {
  ANY_HOSTNAME,
  compareHostnamePrecedence,
  effectiveHostnames,
  hostnameMatches,
  hostnamesIntersect,
  intersectHostname,
  isValidHostname,
} from "../../contract/index.ts";
import { buildRouteTable, lookupRoute } from "../../proxy/dataplane/routeTable.ts";

describe("hostnameMatches", () => {
  const cases: readonly [pattern: string, name: string, expected: boolean][] = [
    ["*.com", "a.b.com", true],
    ["*.com", "b.com", true],
    ["*.com", "com", false],
    ["*.example.com", "example.com", false],
    ["*.example.com", "foo.example.com", true],
    ["*.example.com", "foo.bar.example.com", true],
    ["*.example.com", "fooexample.com", false],
    ["*.example.com", "foo.example.org", false],
    ["db.example.com", "db.example.com", true],
    ["db.example.com", "x.db.example.com", false],
    [ANY_HOSTNAME, "anything.at.all", true],
  ];
  for (const [pattern, name, expected] of cases) {
    test(`${pattern} ${expected ? "matches" : "does not match"} ${name}`, () => {
      expect(hostnameMatches(pattern, name)).toBe(expected);
    });
  }
});

describe("intersectHostname (listener side, route side)", () => {
  const cases: readonly [a: string, b: string, expected: string | undefined][] = [
    ["abc.example.com", "*.example.com", "abc.example.com"],
    ["*.example.com", "abc.example.com", "abc.example.com"],
    ["*.example.com", "*.com", "*.example.com"],
    ["*.com", "*.example.com", "*.example.com"],
    ["*.example.com", "*.example.com", "*.example.com"],
    ["*.example.com", "example.com", undefined],
    ["example.com", "*.example.com", undefined],
    ["*.a.com", "*.b.com", undefined],
    ["www.example.com", "www.nomatch.com", undefined],
    ["www.example.com", "*.nomatch.com", undefined],
    ["*.example.com", "*.different.com", undefined],
    [ANY_HOSTNAME, "*.com", "*.com"],
    ["abc.example.com", ANY_HOSTNAME, "abc.example.com"],
    [ANY_HOSTNAME, ANY_HOSTNAME, ANY_HOSTNAME],
    ["*.xexample.com", "*.example.com", undefined],
  ];
  for (const [a, b, expected] of cases) {
    test(`${a} ∩ ${b} = ${expected ?? "nothing"}`, () => {
      expect(intersectHostname(a, b)).toBe(expected);
    });
  }
});

describe("effectiveHostnames", () => {
  test("listener without hostname passes route hostnames through, in precedence order", () => {
    expect(effectiveHostnames(undefined, ["*.com", "abc.example.com", "*.example.com"])).toEqual([
      "abc.example.com",
      "*.example.com",
      "*.com",
    ]);
  });
  test("route without hostnames takes the listener's", () => {
    expect(effectiveHostnames("*.example.com", [])).toEqual(["*.example.com"]);
  });
  test("neither side names a hostname: any", () => {
    expect(effectiveHostnames(undefined, [])).toEqual([ANY_HOSTNAME]);
  });
  test("duplicates collapse", () => {
    expect(effectiveHostnames("abc.example.com", ["*.example.com", "abc.example.com", "*.com"])).toEqual(["abc.example.com"]);
  });
  test("no overlap: empty", () => {
    expect(effectiveHostnames("www.example.com", ["www.nomatch.com", "*.nomatch.com"])).toEqual([]);
  });
});

describe("precedence", () => {
  test("exact beats wildcard, longer suffix beats shorter, '*' last", () => {
    const sorted = ["*", "*.com", "a.example.com", "*.example.com", "*.a.example.com", "b.com"].sort(compareHostnamePrecedence);
    expect(sorted).toEqual(["a.example.com", "b.com", "*.a.example.com", "*.example.com", "*.com", "*"]);
  });
  const patterns = ["*", "*.com", "*.example.com", "db.example.com"];
  const lookups: readonly [sni: string, expected: string | undefined][] = [
    ["db.example.com", "db.example.com"],
    ["DB.Example.com.", "db.example.com"],
    ["web.example.com", "*.example.com"],
    ["a.b.example.com", "*.example.com"],
    ["example.com", "*.com"],
    ["example.org", "*"],
  ];
  // The data plane's own lookup; the ClientHello reader has already lowercased the
  // SNI and dropped a trailing dot (see the reader's tests).
  const served = (names: readonly string[], sni: string): string | undefined =>
    lookupRoute(buildRouteTable(names.map((hostname) => ({ hostname, route: { id: hostname, backends: [], settings: { fallback: false } } }))), sni.toLowerCase().replace(/\.$/, ""))?.id;
  for (const [sni, expected] of lookups) {
    test(`SNI ${sni} -> ${expected}`, () => {
      expect(served(patterns, sni)).toBe(expected);
    });
  }
  test("no catch-all: unmatched SNI finds nothing", () => {
    expect(served(["*.example.com"], "example.com")).toBeUndefined();
  });
});

describe("isValidHostname", () => {
  const cases: readonly [string, boolean][] = [
    ["example.com", true],
    ["*.example.com", true],
    ["a-b.c", true],
    ["localhost", true],
    ["Example.com", false],
    ["*example.com", false],
    ["foo.*.com", false],
    ["*", false],
    ["-a.com", false],
    ["a..com", false],
    ["10.0.0.1", false],
    ["", false],
  ];
  for (const [hostname, expected] of cases) {
    test(`${JSON.stringify(hostname)} is ${expected ? "valid" : "invalid"}`, () => {
      expect(isValidHostname(hostname)).toBe(expected);
    });
  }
});

describe("hostnamesIntersect", () => {
  const cases: [string | undefined, string, boolean][] = [
    [undefined, "a.example.com", true],
    ["a.example.com", "a.example.com", true],
    ["a.example.com", "b.example.com", false],
    ["*.example.com", "a.example.com", true],
    ["*.example.com", "a.b.example.com", true],
    ["*.example.com", "example.com", false],
    ["a.example.com", "*.example.com", true],
    ["example.com", "*.example.com", false],
    ["*.example.com", "*.example.com", true],
    ["*.example.com", "*.internal.example.com", true],
    ["*.internal.example.com", "*.example.com", true],
    ["*.example.com", "*.example.org", false],
  ];
  test.each(cases)("listener %p, route %p -> %p", (listener, route, expected) => {
    expect(hostnamesIntersect(listener, route)).toBe(expected);
  });
});
