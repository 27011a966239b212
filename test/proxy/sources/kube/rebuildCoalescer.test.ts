// When cluster mode rebuilds: a lone change at once, a burst batched behind a gap
// that grows with what the last rebuild cost (and never beyond a second).
import { describe, expect, test } from "bun:test";
import { RebuildCoalescer } from "../../../../proxy/sources/kube/rebuildCoalescer.ts";

describe("rebuild coalescer", () => {
  test("a lone change is rebuilt on the next turn, not after a fixed window", async () => {
    let rebuilds = 0;
    const coalescer = new RebuildCoalescer(() => rebuilds++);
    coalescer.schedule();
    await Bun.sleep(2);
    expect(rebuilds).toBe(1);
    coalescer.stop();
  });

  test("events of one turn are one rebuild", async () => {
    let rebuilds = 0;
    const coalescer = new RebuildCoalescer(() => rebuilds++);
    for (let i = 0; i < 100; i++) coalescer.schedule();
    await Bun.sleep(5);
    expect(rebuilds).toBe(1);
    coalescer.stop();
  });

  test("after an expensive rebuild, a burst waits twice its cost, then goes as one", async () => {
    let clock = 0;
    const runs: number[] = [];
    // Each rebuild "costs" 100 ms of the injected clock.
    const coalescer = new RebuildCoalescer(() => {
      runs.push(clock);
      clock += 100;
    }, () => clock);
    coalescer.schedule();
    await Bun.sleep(2);
    expect(runs).toEqual([0]);
    // The next one may start at 100 + 2 * 100 = 300 on the injected clock: the timer
    // waits 200 ms of real time for it.
    const started = performance.now();
    for (let i = 0; i < 10; i++) coalescer.schedule();
    await Bun.sleep(50);
    expect(runs).toEqual([0]);
    while (runs.length < 2 && performance.now() - started < 2_000) await Bun.sleep(10);
    expect(runs.length).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    coalescer.stop();
  });
});
