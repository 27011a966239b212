import { describe, expect, test } from "bun:test";
import { coalescer, MAX_WAIT_MS } from "../../../../proxy/sources/file/fileWatch.ts";

describe("coalescer", () => {
  test("one call per burst, after the quiet time", async () => {
    let fired = 0;
    const burst = coalescer(() => fired++, 30, 10_000);
    for (let i = 0; i < 5; i++) burst.event();
    await Bun.sleep(150);
    expect(fired).toBe(1);
    burst.cancel();
  });

  test("events that never stop still fire by the maximum wait, and again after it", async () => {
    let fired = 0;
    let firedWhileBusy = 0;
    const burst = coalescer(() => fired++, 100, 200);
    // 60 events 20 ms apart: never 100 ms of quiet.
    for (let i = 0; i < 60; i++) {
      burst.event();
      await Bun.sleep(20);
    }
    firedWhileBusy = fired;
    burst.cancel();
    expect(firedWhileBusy).toBeGreaterThanOrEqual(2);
  });

  test("cancel stops a pending call", async () => {
    let fired = 0;
    const burst = coalescer(() => fired++, 20, 50);
    burst.event();
    burst.cancel();
    await Bun.sleep(100);
    expect(fired).toBe(0);
  });

  // The reliability suite measured 1,080 ms from a write to its load under steady
  // writes with a 1 s maximum wait: the load itself needs room inside the second.
  test("the maximum wait leaves a quarter second of the 1 s promise for the load", () => {
    expect(MAX_WAIT_MS).toBeLessThanOrEqual(750);
  });
});
