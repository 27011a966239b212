// Which statuses to write, and in what order: a work queue of objects, each written
// by one of a few workers under the WriteLimiter. An object is queued when
// - its Plan entry changed (urgent: someone is waiting for it), or the Plan dropped it;
// - its live object changed other than by Courier's own write (someone else wrote
//   its status, or its spec changed);
// - leadership is won, and once a minute (every object, checked against what it has).
// Checking an object costs a merge and a comparison; only objects whose status
// differs are written, so a Plan that changed ten routes writes ten routes, however
// many there are. Courier's own writes come back through the watch: they are
// recognised by the resourceVersion the write returned and not queued again, unless
// the Plan entry changed since that write: a check made meanwhile compared against
// the watch's copy from before the write, and may have wrongly found nothing to do.
import type { Logger } from "../lib/log.ts";
import type { GatewayClassStatusPlan, GatewayStatusPlan, Plan, RouteStatusPlan } from "../model/plan.ts";
import type { KubeObject, LiveGatewayObjects } from "../kubeapi/objects.ts";
import { STATUS_WRITE_CONCURRENCY, WriteLimiter } from "./writeLimiter.ts";
import type { StatusTarget, StatusWriting } from "./statusWriter.ts";

type Kind = StatusTarget["kind"];

/** Retry after a conflict (by then the watch has brought the new version) or a 429. */
const RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
/** Objects checked back to back before the event loop gets a turn (a check is synchronous). */
const CHECKS_PER_TURN = 200;

interface PlannedEntries {
  readonly GatewayClass: ReadonlyMap<string, GatewayClassStatusPlan>;
  readonly Gateway: ReadonlyMap<string, GatewayStatusPlan>;
  /** Updated in place when a Plan changes routes without adding or removing any. */
  readonly TLSRoute: Map<string, RouteStatusPlan>;
}

const NO_ENTRIES: PlannedEntries = { GatewayClass: new Map(), Gateway: new Map(), TLSRoute: new Map() };

/** Keys as the informers have them: "namespace/name", "/name" for cluster-scoped objects; once per entry. */
const entryKeys = new WeakMap<object, string>();
function entryKey(entry: { readonly key: { readonly namespace?: string; readonly name: string } }): string {
  let key = entryKeys.get(entry);
  if (key === undefined) entryKeys.set(entry, (key = `${entry.key.namespace ?? ""}/${entry.key.name}`));
  return key;
}

function entriesOf(plan: Plan): PlannedEntries {
  return {
    GatewayClass: new Map(plan.gatewayClasses.map((c) => [entryKey(c), c] as const)),
    Gateway: new Map(plan.gateways.map((g) => [entryKey(g), g] as const)),
    TLSRoute: new Map(plan.routes.map((r) => [entryKey(r), r] as const)),
  };
}

/**
 * The route entries that differ between two Plans whose route lists hold the same
 * routes in the same order (the usual case: a route changed, none came or went),
 * found by identity, position by position; undefined when the lists do not line up.
 */
function changedInPlace(before: readonly RouteStatusPlan[], after: readonly RouteStatusPlan[]): RouteStatusPlan[] | undefined {
  if (before.length !== after.length) return undefined;
  const changed: RouteStatusPlan[] = [];
  for (let i = 0; i < after.length; i++) {
    const entry = after[i]!;
    if (before[i] === entry) continue;
    if (entryKey(before[i]!) !== entryKey(entry)) return undefined;
    changed.push(entry);
  }
  return changed;
}

/** The generation the entry was computed for (all its conditions carry the same one). */
function plannedGeneration(entry: GatewayClassStatusPlan | GatewayStatusPlan | RouteStatusPlan | undefined): number | undefined {
  if (entry === undefined) return undefined;
  if ("parents" in entry) return entry.parents[0]?.conditions[0]?.observedGeneration;
  return entry.conditions[0]?.observedGeneration;
}

const fingerprints = new WeakMap<object, string>();
function fingerprint(entry: object): string {
  let text = fingerprints.get(entry);
  if (text === undefined) fingerprints.set(entry, (text = JSON.stringify(entry)));
  return text;
}

function sameEntry(a: object | undefined, b: object | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && fingerprint(a) === fingerprint(b));
}

const queueKey = (kind: Kind, key: string): string => `${kind} ${key}`;

export class StatusQueue {
  private entries: PlannedEntries = NO_ENTRIES;
  private routes: readonly RouteStatusPlan[] = [];
  private hasPlan = false;
  /** Insertion-ordered; urgent ones are taken first. */
  private readonly urgent = new Set<string>();
  private readonly normal = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** Queued again while being written: goes back in when the write ends. */
  private readonly again = new Set<string>();
  /** Objects waiting out a retry delay, and the delay each last waited (doubled per failure, cleared by a write). */
  private readonly retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly retryDelays = new Map<string, number>();
  /** The resourceVersion each of Courier's own writes produced and the entry it wrote: its watch echo is not news while that entry stands. */
  private readonly written = new Map<string, { readonly resourceVersion: string; readonly entry: object | undefined }>();
  private running = false;
  /** Bumped by start(): workers of an earlier term (leadership lost and won again) end. */
  private term = 0;
  private workers: Promise<void>[] = [];
  private wake: (() => void) | undefined;
  private checks = 0;

  constructor(
    private readonly writer: StatusWriting,
    private readonly live: () => LiveGatewayObjects,
    private readonly log: Logger,
    private readonly limiter: WriteLimiter = new WriteLimiter(),
  ) {}

  /** A new Plan: queue every object whose entry changed or went away. */
  setPlan(plan: Plan): void {
    const before = this.entries;
    const first = !this.hasPlan;
    const inPlace = first ? undefined : changedInPlace(this.routes, plan.routes);
    this.routes = plan.routes;
    this.hasPlan = true;
    if (inPlace !== undefined) {
      // 10,000 routes, one changed: no new map of 10,000 keys per Plan.
      const routes = before.TLSRoute;
      this.entries = { GatewayClass: new Map(plan.gatewayClasses.map((c) => [entryKey(c), c] as const)), Gateway: new Map(plan.gateways.map((g) => [entryKey(g), g] as const)), TLSRoute: routes };
      for (const entry of inPlace) {
        const previous = routes.get(entryKey(entry));
        routes.set(entryKey(entry), entry);
        if (previous === undefined || fingerprint(previous) !== fingerprint(entry)) this.queue(queueKey("TLSRoute", entryKey(entry)), true);
      }
    } else {
      this.entries = entriesOf(plan);
    }
    const after = this.entries;
    if (first) return this.queueAll(false);
    for (const kind of inPlace === undefined ? (["GatewayClass", "Gateway", "TLSRoute"] as const) : (["GatewayClass", "Gateway"] as const)) {
      const old: ReadonlyMap<string, object> = before[kind];
      const now: ReadonlyMap<string, object> = after[kind];
      for (const [key, entry] of now) {
        const previous = old.get(key);
        if (previous !== entry && (previous === undefined || fingerprint(previous) !== fingerprint(entry))) this.queue(queueKey(kind, key), true);
      }
      // A route the Plan no longer gives a parent of ours loses Courier's entries.
      if (kind === "TLSRoute") for (const key of old.keys()) if (!now.has(key)) this.queue(queueKey(kind, key), true);
    }
  }

  /** The watch saw an object change: look at it again unless the change was Courier's own write. */
  liveChanged(kind: Kind, key: string): void {
    const qkey = queueKey(kind, key);
    const object = this.liveObject(kind, key);
    const own = this.written.get(qkey);
    if (object !== undefined && own !== undefined && object.metadata?.resourceVersion === own.resourceVersion && sameEntry(own.entry, this.target(kind, key).entry)) return;
    this.written.delete(qkey);
    if (this.hasPlan) this.queue(qkey, false);
  }

  /** Every object: on winning leadership and on the periodic resync. */
  queueAll(urgent: boolean): void {
    if (!this.hasPlan) return;
    for (const key of this.entries.GatewayClass.keys()) this.queue(queueKey("GatewayClass", key), urgent);
    for (const key of this.entries.Gateway.keys()) this.queue(queueKey("Gateway", key), urgent);
    for (const key of this.entries.TLSRoute.keys()) this.queue(queueKey("TLSRoute", key), urgent);
    // Live routes without an entry may still carry Courier's entries from before.
    for (const key of this.live().tlsRoutes.keys()) this.queue(queueKey("TLSRoute", key), urgent);
  }

  /** This replica writes status from now on. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const term = ++this.term;
    this.workers.push(...Array.from({ length: STATUS_WRITE_CONCURRENCY }, () => this.work(term)));
  }

  /** Stops writing; resolves once the writes in flight are answered. Queued objects stay queued. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers);
  }

  /** Objects waiting to be checked or written. */
  get pending(): number {
    return this.urgent.size + this.normal.size + this.retryTimers.size;
  }

  /** Drops the retry timers (shutdown). */
  dispose(): void {
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
  }

  private queue(qkey: string, urgent: boolean): void {
    if (this.inFlight.has(qkey)) {
      this.again.add(qkey);
      return;
    }
    if (urgent) {
      this.normal.delete(qkey);
      this.urgent.add(qkey);
    } else if (!this.urgent.has(qkey)) {
      this.normal.add(qkey);
    }
    this.wake?.();
  }

  private retryLater(qkey: string): void {
    const delay = Math.min(MAX_RETRY_MS, (this.retryDelays.get(qkey) ?? RETRY_MS / 2) * 2);
    this.retryDelays.set(qkey, delay);
    clearTimeout(this.retryTimers.get(qkey));
    this.retryTimers.set(
      qkey,
      setTimeout(() => {
        this.retryTimers.delete(qkey);
        this.queue(qkey, false);
      }, delay),
    );
  }

  private take(): string | undefined {
    for (const set of [this.urgent, this.normal]) {
      for (const qkey of set) {
        set.delete(qkey);
        return qkey;
      }
    }
    return undefined;
  }

  private async work(term: number): Promise<void> {
    while (this.running && term === this.term) {
      const qkey = this.take();
      if (qkey === undefined) {
        await new Promise<void>((resolve) => {
          const previous = this.wake;
          this.wake = () => {
            this.wake = undefined;
            previous?.();
            resolve();
          };
        });
        continue;
      }
      this.inFlight.add(qkey);
      try {
        await this.process(qkey);
      } catch (error) {
        this.log.warn("status check failed", { object: qkey, error: (error as Error).message });
      } finally {
        this.inFlight.delete(qkey);
        if (this.again.delete(qkey)) this.queue(qkey, false);
      }
    }
  }

  private liveObject(kind: Kind, key: string): KubeObject | undefined {
    const live = this.live();
    return (kind === "GatewayClass" ? live.gatewayClasses : kind === "Gateway" ? live.gateways : live.tlsRoutes).get(key);
  }

  private target(kind: Kind, key: string): StatusTarget {
    switch (kind) {
      case "GatewayClass":
        return { kind, entry: this.entries.GatewayClass.get(key) };
      case "Gateway":
        return { kind, entry: this.entries.Gateway.get(key) };
      case "TLSRoute":
        return { kind, entry: this.entries.TLSRoute.get(key) };
    }
  }

  private async process(qkey: string): Promise<void> {
    const space = qkey.indexOf(" ");
    const kind = qkey.slice(0, space) as Kind;
    const key = qkey.slice(space + 1);
    const object = this.liveObject(kind, key);
    const target = this.target(kind, key);
    // Gone, or the Plan was computed for an older generation: the newer Plan queues it again.
    const generation = (object?.metadata as { generation?: number } | undefined)?.generation;
    const planned = plannedGeneration(target.entry);
    const status = object === undefined || (planned !== undefined && generation !== undefined && planned !== generation) ? undefined : this.writer.desiredStatus(object, target);
    if (status === undefined || object === undefined) {
      // Checks are synchronous: let the event loop (connections, watches) in now and then.
      if (++this.checks % CHECKS_PER_TURN === 0) await Bun.sleep(0);
      return;
    }
    await this.limiter.take();
    if (!this.running) return this.queue(qkey, true);
    const result = await this.writer.patch(object, kind, status);
    switch (result.outcome) {
      case "written":
        if (result.resourceVersion !== undefined) this.written.set(qkey, { resourceVersion: result.resourceVersion, entry: target.entry });
        this.retryDelays.delete(qkey);
        break;
      case "throttled":
        this.limiter.pause(RETRY_MS);
        this.retryLater(qkey);
        break;
      case "conflict":
      case "failed":
        this.retryLater(qkey);
        break;
    }
  }
}
