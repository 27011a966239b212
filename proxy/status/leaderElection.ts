// Leader election on a coordination.k8s.io Lease: every replica serves traffic, only
// the holder of the lease writes status. The holder renews every third of the lease
// duration; a lease not renewed within its duration may be taken over; a holder
// that stops releases the lease so that another replica takes over at its next try.
// A holder that cannot renew for two thirds of the duration stops counting itself
// the leader, before anyone else may take over (client-go's renew deadline), and no
// attempt may hang longer than the renew interval: a silent connection must not
// keep a replica believing it still holds the lease.
// Expiry is judged by the local time at which the record was last seen to change
// (leaseObservation.ts), never by comparing the holder's renewTime with our clock:
// replicas' clocks may disagree by far more than the lease duration.
import { COORDINATION_API_GROUP } from "../../contract/index.ts";
import type { Logger } from "../lib/log.ts";
import { KubeApiError, type KubeClient } from "../kubeapi/client.ts";
import { LeaseObservation, type LeaseRecord } from "./leaseObservation.ts";

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseRecord;
}

/** The elector's clocks; injectable because clock skew is a fault no test can cause on one machine otherwise. */
export interface ElectionClock {
  /** Wall-clock ms since the epoch: only for the acquire and renew times written into the Lease (informational). */
  now(): number;
  /** Monotonic ms: every expiry and deadline judgement. */
  monotonic(): number;
}

export const SYSTEM_CLOCK: ElectionClock = { now: () => Date.now(), monotonic: () => performance.now() };

/** metav1.MicroTime. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000Z");
}

export class LeaderElector {
  private leader = false;
  private running = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private lastRenew = 0;
  private refusalLogged = false;
  private readonly path: string;
  private readonly observed = new LeaseObservation();

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly name: string,
    readonly identity: string,
    private readonly onChange: (leader: boolean) => void,
    private readonly log: Logger,
    private readonly durationSeconds = 15,
    private readonly clock: ElectionClock = SYSTEM_CLOCK,
  ) {
    this.path = `/apis/${COORDINATION_API_GROUP}/v1/namespaces/${namespace}/leases`;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.running = true;
    void this.tick();
  }

  /** Stops competing; a leader hands the lease back so another replica need not wait. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    if (!this.leader) return;
    try {
      const lease = await this.call<Lease>("GET", `${this.path}/${this.name}`);
      if (lease.spec.holderIdentity === this.identity) {
        lease.spec.holderIdentity = null;
        lease.spec.leaseDurationSeconds = 1;
        await this.call("PUT", `${this.path}/${this.name}`, lease);
      }
    } catch (error) {
      this.log.warn("could not release the leader lease", { error: (error as Error).message });
    }
    this.set(false);
  }

  private get renewIntervalMs(): number {
    return (this.durationSeconds * 1000) / 3;
  }

  /** One API call of an attempt, bounded by the renew interval. */
  private call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    return this.client.request<T>(method, path, body, undefined, AbortSignal.timeout(this.renewIntervalMs));
  }

  private set(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.log.info(leader ? "became the status writer (leader)" : "no longer the status writer", { identity: this.identity, lease: `${this.namespace}/${this.name}` });
    this.onChange(leader);
  }

  private async tick(): Promise<void> {
    try {
      const leader = await this.tryAcquireOrRenew();
      this.set(leader);
      if (leader) this.armRenewDeadline();
    } catch (error) {
      // Refused outright (RBAC, a missing namespace) no retry will help: say so once,
      // loudly, or status would silently never be written. Anything else is transient.
      const refused = error instanceof KubeApiError && (error.status === 401 || error.status === 403 || error.status === 404);
      if (refused && !this.refusalLogged) this.log.warn("cannot take the leader Lease: status will not be written", { lease: `${this.namespace}/${this.name}`, error: (error as Error).message });
      else this.log.debug("leader election attempt failed", { error: (error as Error).message });
      this.refusalLogged ||= refused;
    }
    if (this.running) this.timer = setTimeout(() => void this.tick(), this.renewIntervalMs);
  }

  /**
   * A leader that cannot renew must stop writing before another may take over (others
   * may once the full duration has passed since the last renewal). A timer, not the
   * next attempt, decides: an attempt may itself be what is stuck.
   */
  private armRenewDeadline(): void {
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    const deadlineMs = this.renewIntervalMs * 2;
    // Timers may fire a fraction of a millisecond early by the monotonic clock: a check
    // that finds the deadline not quite reached arms again for the rest, or the leader
    // would never step down.
    this.deadline = setTimeout(() => {
      if (!this.leader) return;
      if (this.clock.monotonic() - this.lastRenew >= deadlineMs) this.set(false);
      else this.armRenewDeadline();
    }, Math.max(0, this.lastRenew + deadlineMs - this.clock.monotonic()));
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = microTime(this.clock.now());
    let lease: Lease;
    try {
      lease = await this.call<Lease>("GET", `${this.path}/${this.name}`);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      const fresh: Lease = {
        metadata: { name: this.name, namespace: this.namespace },
        spec: { holderIdentity: this.identity, leaseDurationSeconds: this.durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
      };
      const sentAt = this.clock.monotonic();
      await this.call("POST", this.path, { apiVersion: `${COORDINATION_API_GROUP}/v1`, kind: "Lease", ...fresh });
      this.renewed(fresh.spec, sentAt);
      return true;
    }
    const spec = lease.spec;
    const holder = spec.holderIdentity ?? "";
    this.observed.observe(spec, this.clock.monotonic(), this.durationSeconds);
    // An empty holder is a lease handed back: free at once.
    if (holder !== this.identity && holder !== "" && this.observed.valid(this.clock.monotonic())) return false;
    if (holder !== this.identity) {
      spec.acquireTime = now;
      spec.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
    }
    spec.holderIdentity = this.identity;
    spec.leaseDurationSeconds = this.durationSeconds;
    spec.renewTime = now;
    const sentAt = this.clock.monotonic();
    try {
      // The resourceVersion in the body makes a concurrent takeover fail with 409.
      await this.call("PUT", `${this.path}/${this.name}`, lease);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) return false;
      throw error;
    }
    this.renewed(spec, sentAt);
    return true;
  }

  /**
   * Our write is the record others now watch. Counted from when it was sent, not
   * answered: others may have seen it any time in between, so the renew deadline
   * keeps its margin however slow the answer was.
   */
  private renewed(record: LeaseRecord, sentAt: number): void {
    this.lastRenew = sentAt;
    this.observed.observe(record, sentAt, this.durationSeconds);
  }
}
