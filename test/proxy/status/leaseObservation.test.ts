// Lease expiry by observed time (client-go's rule): the countdown restarts only when the
// record changes, and the holder's renewTime is never compared with the local clock.
import { describe, expect, test } from "bun:test";
import { LeaseObservation } from "../../../proxy/status/leaseObservation.ts";

const record = (renewTime: string) => ({ holderIdentity: "a", leaseDurationSeconds: 15, renewTime, acquireTime: "2000-01-01T00:00:00.000000Z", leaseTransitions: 3 });

describe("lease observation", () => {
  test("valid for the record's duration from when it was first seen, however old its renewTime", () => {
    const seen = new LeaseObservation();
    expect(seen.valid(0)).toBe(false);
    seen.observe(record("1970-01-01T00:00:00.000000Z"), 1_000, 10);
    expect(seen.valid(15_999)).toBe(true);
    expect(seen.valid(16_000)).toBe(false);
  });

  test("the same record read again does not restart the countdown; a renewal does", () => {
    const seen = new LeaseObservation();
    seen.observe(record("2999-01-01T00:00:00.000000Z"), 0, 10);
    seen.observe(record("2999-01-01T00:00:00.000000Z"), 14_000, 10);
    expect(seen.valid(15_000)).toBe(false);
    seen.observe(record("2999-01-01T00:00:05.000000Z"), 15_000, 10);
    expect(seen.valid(29_999)).toBe(true);
  });

  test("a record without a duration uses ours", () => {
    const seen = new LeaseObservation();
    seen.observe({ holderIdentity: "a" }, 0, 10);
    expect([seen.valid(9_999), seen.valid(10_000)]).toEqual([true, false]);
  });
});
