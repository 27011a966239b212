// When a Lease counts as expired, judged as client-go judges it: by the local time at
// which this replica last saw the lease record change, plus the record's duration.
// The holder's renewTime is another machine's clock; comparing it with ours would let
// a replica whose clock runs ahead take a live lease (two writers), and one whose clock
// runs behind wait for a dead holder far longer than the lease duration.

/** The fields of a coordination.k8s.io/v1 Lease spec that make up the election record. */
export interface LeaseRecord {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export class LeaseObservation {
  private seen: string | undefined;
  private seenAt = 0;
  private durationMs = 0;

  /**
   * Notes the record as read at monotonic time `nowMs`. Only a change restarts the
   * countdown: a holder that renews keeps changing renewTime, a dead one does not.
   */
  observe(record: LeaseRecord, nowMs: number, defaultDurationSeconds: number): void {
    const text = JSON.stringify([record.holderIdentity ?? "", record.leaseDurationSeconds ?? null, record.acquireTime ?? "", record.renewTime ?? "", record.leaseTransitions ?? 0]);
    if (text === this.seen) return;
    this.seen = text;
    this.seenAt = nowMs;
    this.durationMs = (record.leaseDurationSeconds ?? defaultDurationSeconds) * 1000;
  }

  /** Whether the holder last seen may still hold the lease at monotonic time `nowMs`. */
  valid(nowMs: number): boolean {
    return this.seen !== undefined && nowMs < this.seenAt + this.durationMs;
  }
}
