// How fast status writes may go: a fixed number in flight and a token bucket on
// their rate, plus a pause that a 429 (the API server's priority and fairness, or
// max-inflight, shedding load) imposes on every write for as long as it asks.
// Eight in flight take at most eight of the API server's seats; at the test API
// server's ~20 ms per write that is ~400 writes/s, under the rate cap.
export const STATUS_WRITE_CONCURRENCY = 8;
export const STATUS_WRITES_PER_SECOND = 500;
const BURST = 100;

export class WriteLimiter {
  private tokens = BURST;
  private refilledAt: number;
  private pausedUntil = 0;

  constructor(
    private readonly perSecond: number = STATUS_WRITES_PER_SECOND,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.refilledAt = now();
  }

  /** Resolves when one more write may start (call once per write). */
  async take(): Promise<void> {
    for (;;) {
      const now = this.now();
      this.tokens = Math.min(BURST, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
      this.refilledAt = now;
      const wait = Math.max(this.pausedUntil - now, this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.perSecond);
      if (wait <= 0) {
        this.tokens -= 1;
        return;
      }
      await Bun.sleep(Math.ceil(wait));
    }
  }

  /** The API server said 429: nobody writes for `ms`. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }
}
