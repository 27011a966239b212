import { describe, expect, test } from "bun:test";
import { checkHostname } from "../../src/validation/hostnames.ts";

describe("checkHostname", () => {
  test.each(["db.example.com", "*.example.com", "*.internal.example.com", "a-b.c1.io", "localhost"])("accepts %s", (h) => {
    expect(checkHostname("f", h)).toBeUndefined();
  });

  const cases: [string, string][] = [
    ["", 'f: hostname is empty. Fix: give a DNS name such as "db.example.com"'],
    ["DB.example.com", 'f: "DB.example.com" has uppercase letters. Fix: write it as "db.example.com"'],
    ["10.0.0.1", 'f: "10.0.0.1" is an IP address, which TLS clients never send as SNI. Fix: use the DNS name clients connect to'],
    ["::1", 'f: "::1" is an IP address'],
    ["api.*.example.com", 'f: "api.*.example.com" has "*" in a label other than the first. Fix: put the wildcard only as the whole first label'],
    ["*", 'f: "*" is a bare wildcard'],
    ["*api.example.com", 'f: "*api.example.com" uses "*" inside a label. Fix: a wildcard must be the whole first label'],
    ["-db.example.com", 'f: "-db.example.com" is not an RFC 1123 DNS name (label "-db")'],
    ["db_1.example.com", 'f: "db_1.example.com" is not an RFC 1123 DNS name (label "db_1")'],
    ["db..example.com", 'is not an RFC 1123 DNS name (label "")'],
    [`${"a".repeat(64)}.example.com`, "has a label longer than 63 characters. Fix: shorten each dot-separated label"],
    [Array.from({ length: 60 }, () => "abcd").join("."), "is 299 characters long. Fix: use at most 253 characters"],
  ];
  test.each(cases)("rejects %p", (h, message) => {
    expect(checkHostname("f", h)).toContain(message);
  });
});
