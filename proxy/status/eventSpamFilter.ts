// A token bucket per object, as client-go's event recorder keeps (its spam filter):
// an object may have 25 Events at once, then one more every five minutes, so that
// one object flapping cannot flood the API server or the object's `describe`.
// At most MAX_OBJECTS buckets are kept; the longest unused go first.
export const EVENT_BURST = 25;
export const EVENT_REFILL_MS = 5 * 60_000;
const MAX_OBJECTS = 4096;

interface Bucket {
  tokens: number;
  at: number;
}

export class EventSpamFilter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly burst: number = EVENT_BURST,
    private readonly refillMs: number = EVENT_REFILL_MS,
  ) {}

  /** Whether one more Event about `object` may be sent now (takes its token if so). */
  allow(object: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(object) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) / this.refillMs);
    bucket.at = now;
    // Most recently used last, so the first is the one to drop.
    this.buckets.delete(object);
    this.buckets.set(object, bucket);
    if (this.buckets.size > MAX_OBJECTS) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
