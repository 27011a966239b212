// The access log's flood guard: records pass a token bucket (bursts of one second's
// worth); what it holds back is counted and summarized at most every ten seconds.
import { expect, test } from "bun:test";
import { METRIC } from "../../../contract/index.ts";
import { AccessLog } from "../../../proxy/dataplane/accessLog.ts";
import { Logger } from "../../../proxy/lib/log.ts";
import { Metrics } from "../../../proxy/lib/metrics.ts";

test("a flood is cut to the rate; the rest is counted and summarized", () => {
  const lines: string[] = [];
  const metrics = new Metrics();
  const log = new AccessLog(new Logger("info", (line) => lines.push(line)), metrics, 100, 0);
  let now = 0;
  // 10,000 refusals in one second: one second's burst passes, then the refill.
  for (let i = 0; i < 10_000; i++) {
    now = Math.floor(i / 10);
    if (log.admit(now)) log.write("rejected", { reason: "hello-timeout" });
  }
  const written = lines.filter((line) => line.includes("INFO  rejected")).length;
  expect(written).toBeGreaterThanOrEqual(100);
  expect(written).toBeLessThanOrEqual(200);
  expect(metrics.get(METRIC.accessLogDropped)).toBe(10_000 - written);
  log.summarize(5_000);
  expect(lines.some((line) => line.includes("WARN  access log rate limit"))).toBe(false);
  log.summarize(11_000);
  expect(lines.filter((line) => line.includes("WARN  access log rate limit"))).toEqual([expect.stringContaining(`dropped=${10_000 - written}`)]);
  // After a quiet second the burst is back.
  expect(log.admit(12_500)).toBe(true);
});

test("0 means no limit; a log below info admits nothing and builds nothing", () => {
  const metrics = new Metrics();
  const unlimited = new AccessLog(new Logger("info", () => {}), metrics, 0, 0);
  for (let i = 0; i < 10_000; i++) expect(unlimited.admit(0)).toBe(true);
  const quiet = new AccessLog(new Logger("warn", () => {}), metrics, 0, 0);
  expect(quiet.admit(0)).toBe(false);
  expect(metrics.get(METRIC.accessLogDropped)).toBe(0);
});
