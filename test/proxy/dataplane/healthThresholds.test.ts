import { describe, expect, test } from "bun:test";
import { INITIAL_THRESHOLD_STATE, observeCheck, type ThresholdState } from "../../../proxy/dataplane/healthThresholds.ts";

const thresholds = { healthyThreshold: 2, unhealthyThreshold: 3 };

/** The healthy flag after each result of `results` ("+" passed, "-" failed). */
function run(results: string, from: ThresholdState = INITIAL_THRESHOLD_STATE): boolean[] {
  let state = from;
  return Array.from(results, (r) => (state = observeCheck(state, r === "+", thresholds)).healthy);
}

describe("health-check thresholds", () => {
  test("a new endpoint starts healthy and stays so while checks pass", () => {
    expect(INITIAL_THRESHOLD_STATE.healthy).toBe(true);
    expect(run("+++")).toEqual([true, true, true]);
  });

  test("unhealthy after `unhealthyThreshold` consecutive failures, not before", () => {
    expect(run("---")).toEqual([true, true, false]);
  });

  test("a pass in between starts the count again", () => {
    expect(run("--+--+")).toEqual([true, true, true, true, true, true]);
  });

  test("healthy again after `healthyThreshold` consecutive passes; a failure in between restarts them", () => {
    expect(run("---+-++")).toEqual([true, true, false, false, false, false, true]);
  });

  test("thresholds of 1 flip on every result", () => {
    let state = INITIAL_THRESHOLD_STATE;
    const flips = Array.from("-+-", (r) => (state = observeCheck(state, r === "+", { healthyThreshold: 1, unhealthyThreshold: 1 })).healthy);
    expect(flips).toEqual([false, true, false]);
  });

  test("an agreeing result returns the same state object (nothing to publish)", () => {
    expect(observeCheck(INITIAL_THRESHOLD_STATE, true, thresholds)).toBe(INITIAL_THRESHOLD_STATE);
  });
});
