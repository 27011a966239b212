// A token bucket: at most `perSecond` events a second on average, with bursts up to
// one second's worth. The caller passes the time, so a coarse clock will do.
export class TokenBucket {
  private tokens: number;
  private last: number;

  /** @param perSecond 0 = unlimited */
  constructor(
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = perSecond;
    this.last = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    if (this.perSecond === 0) return true;
    if (now > this.last) {
      this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) * this.perSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
