import { describe, expect, test } from "bun:test";
import { PendingHelloCaps } from "../../../proxy/dataplane/pendingHelloCaps.ts";

describe("pending ClientHello caps", () => {
  test("each source address holds at most its share; others still get in", () => {
    const caps = new PendingHelloCaps(2, 10);
    expect([caps.admit("192.0.2.1"), caps.admit("192.0.2.1"), caps.admit("192.0.2.1")]).toEqual([undefined, undefined, "too-many-pending-from-client"]);
    expect(caps.admit("192.0.2.2")).toBeUndefined();
    expect(caps.pending).toBe(3);
    caps.release("192.0.2.1");
    expect(caps.admit("192.0.2.1")).toBeUndefined();
  });

  test("the process total caps a flood spread over many addresses", () => {
    const caps = new PendingHelloCaps(5, 3);
    expect(["a", "b", "c", "d"].map((source) => caps.admit(source))).toEqual([undefined, undefined, undefined, "too-many-pending"]);
    caps.release("b");
    expect(caps.admit("d")).toBeUndefined();
  });

  test("no entry is left behind once a source has nothing pending; a stray release changes nothing", () => {
    const caps = new PendingHelloCaps(100, 100_000);
    for (let i = 0; i < 1_000; i++) expect(caps.admit(`10.0.${i >> 8}.${i & 255}`)).toBeUndefined();
    expect(caps.sources).toBe(1_000);
    for (let i = 0; i < 1_000; i++) caps.release(`10.0.${i >> 8}.${i & 255}`);
    caps.release("10.9.9.9");
    expect([caps.pending, caps.sources]).toEqual([0, 0]);
  });
});
