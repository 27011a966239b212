// Per-client fairness before the ClientHello: a connection is "pending" from accept
// until its ClientHello has arrived (or it closes). Idle pending connections cost
// nothing to open, so a flood of them from one address could otherwise fill the
// listener's connection limit; here each source address, and the process as a
// whole, may hold only so many. One map entry per source with pending connections,
// deleted at zero: O(1) per connection, nothing left behind.

/** Why a new connection may not wait for its ClientHello (the `reason` of the refusal). */
export type PendingRefusal = "too-many-pending-from-client" | "too-many-pending";

export class PendingHelloCaps {
  private readonly bySource = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perClient: number,
    private readonly max: number,
  ) {}

  /** Counts a new connection from `source` as pending, or says why it is refused (then nothing is counted). */
  admit(source: string): PendingRefusal | undefined {
    const held = this.bySource.get(source) ?? 0;
    if (held >= this.perClient) return "too-many-pending-from-client";
    if (this.total >= this.max) return "too-many-pending";
    this.bySource.set(source, held + 1);
    this.total++;
    return undefined;
  }

  /** One admitted connection from `source` is pending no more. */
  release(source: string): void {
    const held = this.bySource.get(source);
    if (held === undefined) return;
    if (held <= 1) this.bySource.delete(source);
    else this.bySource.set(source, held - 1);
    this.total--;
  }

  /** Pending connections now. */
  get pending(): number {
    return this.total;
  }

  /** Source addresses with pending connections now. */
  get sources(): number {
    return this.bySource.size;
  }
}
