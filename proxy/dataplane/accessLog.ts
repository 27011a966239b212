// Access-log records at info level: "routed" when a connection is forwarded,
// "closed" when a connection that was not refused ends, "rejected" when one is
// refused. A flood (a scan, idle connections past the limit) must not turn the log
// into the bottleneck, so records pass a token bucket; what it holds back is counted
// in courier_access_log_records_dropped_total and summarized in one warning at most
// every ten seconds. Records are built only once admitted: a disabled or saturated
// log costs a connection one comparison.
import { METRIC } from "../../contract/index.ts";
import type { LogFields, Logger } from "../lib/log.ts";
import type { Counter, Metrics } from "../lib/metrics.ts";
import { TokenBucket } from "../lib/tokenBucket.ts";

/** The records' messages, which log readers and tests match on. */
export type AccessRecord = "routed" | "closed" | "rejected";

const SUMMARY_EVERY_MS = 10_000;

export class AccessLog {
  private readonly bucket: TokenBucket;
  private readonly dropped: Counter;
  private droppedSinceSummary = 0;
  private lastSummary: number;

  /** @param perSecond records per second on average (bursts of one second's worth); 0 = unlimited */
  constructor(
    private readonly log: Logger,
    metrics: Metrics,
    perSecond: number,
    now: number,
  ) {
    this.bucket = new TokenBucket(perSecond, now);
    this.dropped = metrics.counter(METRIC.accessLogDropped, "Access-log records left out by the rate limit (--access-log-rate).");
    this.lastSummary = now;
  }

  /** Whether a record may be written now; the caller builds its fields only then. */
  admit(now: number): boolean {
    if (!this.log.enabled("info")) return false;
    if (this.bucket.take(now)) return true;
    this.dropped.value++;
    // The summary covers the time since the first record it counts.
    if (this.droppedSinceSummary++ === 0) this.lastSummary = now;
    return false;
  }

  write(record: AccessRecord, fields: LogFields): void {
    this.log.info(record, fields);
  }

  /** Called by the sweeper: reports what the rate limit held back, at most every ten seconds. */
  summarize(now: number): void {
    if (this.droppedSinceSummary === 0 || now - this.lastSummary < SUMMARY_EVERY_MS) return;
    this.log.warn("access log rate limit: records left out", { dropped: this.droppedSinceSummary, seconds: Math.round((now - this.lastSummary) / 1000) });
    this.droppedSinceSummary = 0;
    this.lastSummary = now;
  }
}
