// When to rebuild after a change: a lone change goes through at once (on the next
// turn of the event loop, so the events of one read arrive as one batch), while a
// burst is batched — after a rebuild, the next waits until a gap proportional to
// what that rebuild cost has passed, so a storm of changes cannot keep the process
// rebuilding (at most a third of its time) and no change waits longer than MAX_GAP_MS.
const MIN_GAP_MS = 10;
const MAX_GAP_MS = 1_000;
/** The gap after a rebuild, in multiples of the rebuild's own duration. */
const GAP_FACTOR = 2;

export class RebuildCoalescer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private nextAllowed = 0;

  constructor(
    private readonly rebuild: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Something changed: rebuild now, or as soon as the gap after the last rebuild allows. */
  schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.run(), Math.max(0, this.nextAllowed - this.now()));
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    this.timer = undefined;
    const started = this.now();
    try {
      this.rebuild();
    } finally {
      const ended = this.now();
      this.nextAllowed = ended + Math.min(MAX_GAP_MS, Math.max(MIN_GAP_MS, GAP_FACTOR * (ended - started)));
    }
  }
}
