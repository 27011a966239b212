// Sends Events through the events.k8s.io/v1 API, deduplicated as client-go's recorder
// does: the same object, type, reason, action and note again within SERIES_WINDOW_MS
// is not a new Event but one more in the existing Event's series (a PATCH of
// series.count and series.lastObservedTime). A token bucket per object
// (eventSpamFilter.ts) drops what would flood; sends go one at a time, and a
// backlog past MAX_PENDING is dropped, so Events never hold up status writes.
import type { Logger } from "../lib/log.ts";
import { KubeApiError, type KubeClient } from "../kubeapi/client.ts";
import type { EventIntent, EventSubject } from "./eventIntents.ts";
import { EventSpamFilter } from "./eventSpamFilter.ts";

export const SERIES_WINDOW_MS = 10 * 60_000;
const MAX_PENDING = 1000;
const MAX_SERIES = 4096;
/** The API server's limits on an Event's note and its short strings. */
const NOTE_LIMIT = 1024;
const FIELD_LIMIT = 128;

/** The uid and served apiVersion of the object an Event is about, when it is known. */
export type SubjectLookup = (subject: EventSubject) => { readonly uid?: string; readonly apiVersion?: string } | undefined;

export interface EventRecorderOptions {
  /** Who sends: the controller name (--controller-name). */
  readonly reportingController: string;
  /** Which replica sends: the pod or host. */
  readonly reportingInstance: string;
  readonly lookup: SubjectLookup;
  readonly now?: () => number;
}

interface Series {
  readonly namespace: string;
  readonly name: string;
  count: number;
  lastAt: number;
}

/** Kubernetes metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000Z`;
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 3)}...`;
}

export class EventRecorder {
  private readonly series = new Map<string, Series>();
  private readonly spam: EventSpamFilter;
  private readonly now: () => number;
  private pending = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: Pick<KubeClient, "request">,
    private readonly options: EventRecorderOptions,
    private readonly log: Logger,
  ) {
    this.now = options.now ?? (() => Date.now());
    this.spam = new EventSpamFilter(this.now);
  }

  /** Queues one Event; returns at once. */
  record(intent: EventIntent): void {
    if (this.pending >= MAX_PENDING) {
      this.log.debug("event dropped: too many queued", { reason: intent.reason, object: intent.regarding.name });
      return;
    }
    this.pending++;
    // When it happened, not when its turn to be sent came.
    const at = this.now();
    this.tail = this.tail.then(() => this.send(intent, at)).finally(() => this.pending--);
  }

  /** Resolves once everything queued so far was sent (or given up). */
  flushed(): Promise<void> {
    return this.tail;
  }

  private async send(intent: EventIntent, now: number): Promise<void> {
    const known = this.options.lookup(intent.regarding);
    const regarding = { ...intent.regarding, ...(known?.apiVersion === undefined ? {} : { apiVersion: known.apiVersion }), ...(known?.uid === undefined ? {} : { uid: known.uid }) };
    const key = JSON.stringify([regarding.kind, regarding.namespace ?? "", regarding.name, regarding.uid ?? "", intent.type, intent.reason, intent.action, intent.note]);
    try {
      if (!this.spam.allow(`${regarding.kind}/${regarding.namespace ?? ""}/${regarding.name}`)) {
        this.log.debug("event dropped: too many for one object", { kind: regarding.kind, name: regarding.name, reason: intent.reason });
        return;
      }
      const existing = this.series.get(key);
      if (existing !== undefined && now - existing.lastAt < SERIES_WINDOW_MS && (await this.bump(existing, now))) return;
      await this.create(key, intent, regarding, now);
    } catch (error) {
      this.log.warn("event not recorded", { kind: regarding.kind, namespace: regarding.namespace, name: regarding.name, reason: intent.reason, error: (error as Error).message });
    }
  }

  /** One more of an existing Event; false when it is gone (expired, deleted) and a new one is needed. */
  private async bump(existing: Series, now: number): Promise<boolean> {
    const count = existing.count + 1;
    try {
      await this.client.request("PATCH", `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(existing.namespace)}/events/${encodeURIComponent(existing.name)}`, { series: { count, lastObservedTime: microTime(now) } }, "application/merge-patch+json");
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false;
      throw error;
    }
    existing.count = count;
    existing.lastAt = now;
    return true;
  }

  private async create(key: string, intent: EventIntent, regarding: EventSubject & { uid?: string }, now: number): Promise<void> {
    // Cluster-scoped objects' Events live in "default", as client-go puts them.
    const namespace = regarding.namespace ?? "default";
    // As client-go names them: the object's name, a dot, the time in hex (plus a random tail: two in one millisecond).
    const name = `${regarding.name.slice(0, 200)}.${now.toString(16)}${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, "0")}`;
    const event = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name, namespace },
      eventTime: microTime(now),
      reportingController: clip(this.options.reportingController, FIELD_LIMIT),
      reportingInstance: clip(this.options.reportingInstance, FIELD_LIMIT),
      action: clip(intent.action, FIELD_LIMIT),
      reason: clip(intent.reason, FIELD_LIMIT),
      type: intent.type,
      regarding,
      note: clip(intent.note, NOTE_LIMIT),
    };
    await this.client.request("POST", `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`, event);
    this.series.delete(key);
    this.series.set(key, { namespace, name, count: 1, lastAt: now });
    if (this.series.size > MAX_SERIES) this.series.delete(this.series.keys().next().value as string);
    this.log.debug("event recorded", { type: intent.type, reason: intent.reason, kind: regarding.kind, name: regarding.name });
  }
}
