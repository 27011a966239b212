import { describe, expect, test } from "bun:test";
import { planWarningLog, warningChanges } from "../../../proxy/app/planWarnings.ts";
import { Logger } from "../../../proxy/lib/log.ts";

describe("Plan warnings", () => {
  test("the diff names what appeared (in Plan order) and what went away", () => {
    const first = warningChanges(new Set(), ["b", "a", "b"]);
    expect(first.appeared).toEqual(["b", "a"]);
    expect(first.resolved).toEqual([]);
    const second = warningChanges(first.current, ["a", "c"]);
    expect(second.appeared).toEqual(["c"]);
    expect(second.resolved).toEqual(["b"]);
    expect([...second.current]).toEqual(["a", "c"]);
    const unchanged = warningChanges(second.current, ["c", "a"]);
    expect([unchanged.appeared, unchanged.resolved]).toEqual([[], []]);
  });

  test("a standing warning is logged once over many Plans; its end once at info level", () => {
    const lines: string[] = [];
    const logWarnings = planWarningLog(new Logger("info", (line) => lines.push(line)));
    for (let plan = 0; plan < 100; plan++) logWarnings(["route a/r: idle timeout \"soon\" is not a duration", ...(plan >= 50 ? ["route b/s: no backends"] : [])]);
    logWarnings([]);
    const records = lines.map((line) => line.replace(/^\S+ /, ""));
    expect(records).toEqual([
      'WARN  route a/r: idle timeout "soon" is not a duration',
      "WARN  route b/s: no backends",
      'INFO  warning resolved warning="route a/r: idle timeout \\"soon\\" is not a duration"',
      'INFO  warning resolved warning="route b/s: no backends"',
    ]);
  });
});
