// List, then watch from the list's resourceVersion, for one resource; keeps a current
// copy of every object. Bookmarks keep the resourceVersion fresh; a 410 Gone means
// the version is too old, so it lists again; other errors back off with jitter.
// A watch that stays silent well past the API server's bookmark interval (a minute)
// is on a dead connection — a dropped NAT entry or a frozen path never ends the
// stream by itself — so it is abandoned and started again from the same version.
// What is kept of each object, and which changes are worth telling the owner about,
// is the store's business (see objectCache.ts): by default the whole object, and
// every change.
import type { Logger } from "../../lib/log.ts";
import { KubeApiError, type KubeClient } from "../../kubeapi/client.ts";
import type { KubeObject } from "../../kubeapi/objects.ts";
import { apiVersionOf, collectionPath, type ApiResource } from "../../kubeapi/resources.ts";


const PAGE_SIZE = 500;
const MIN_BACKOFF_MS = 500;
// Capped low: after an API server outage every resource must resync soon after it returns.
const MAX_BACKOFF_MS = 8_000;
/** Two and a half bookmark intervals without a single event. */
export const WATCH_IDLE_TIMEOUT_MS = 150_000;

function keyOf(object: KubeObject): string {
  return `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
}

/** What an informer keeps of each object, and which changes call its onChange. */
export interface InformerStore<T> {
  /** Called once per arriving object; the raw object is not kept. */
  keep(object: KubeObject): T;
  /**
   * Every add (`before` undefined), update and delete (`after` undefined), after the
   * informer's map has it. True when the change can matter to the owner.
   */
  changed(key: string, before: T | undefined, after: T | undefined): boolean;
}

const WHOLE_OBJECTS: InformerStore<KubeObject> = { keep: (object) => object, changed: () => true };

export class Informer<T = KubeObject> {
  readonly objects = new Map<string, T>();
  synced = false;
  private resourceVersion = "";
  private running = false;
  private abort: AbortController | undefined;
  private failures = 0;

  constructor(
    private readonly client: KubeClient,
    readonly resource: ApiResource,
    private readonly onChange: () => void,
    private readonly log: Logger,
    private readonly random: () => number = Math.random,
    private readonly watchIdleTimeoutMs: number = WATCH_IDLE_TIMEOUT_MS,
    // The default keeps KubeObjects: only valid when T is left at its default.
    private readonly store: InformerStore<T> = WHOLE_OBJECTS as unknown as InformerStore<T>,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.abort?.abort();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.list();
        this.failures = 0;
        while (this.running && (await this.watchOnce())) this.failures = 0;
      } catch (error) {
        if (!this.running) return;
        this.failures++;
        const delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (this.failures - 1)) * (0.5 + this.random());
        this.log.warn("watch failed; retrying", { resource: this.resource.plural, error: (error as Error).message, retryInMs: Math.round(delay) });
        await Bun.sleep(delay);
      }
    }
  }

  private async list(): Promise<void> {
    const fresh = new Map<string, T>();
    let next = "";
    let version = "";
    do {
      const page = await this.client.request<{ items?: KubeObject[]; metadata?: { resourceVersion?: string; continue?: string } }>(
        "GET",
        `${collectionPath(this.resource)}?limit=${PAGE_SIZE}${next === "" ? "" : `&continue=${encodeURIComponent(next)}`}`,
      );
      // List items carry no apiVersion/kind; normalize needs them.
      for (const item of page.items ?? []) fresh.set(keyOf(item), this.store.keep({ ...item, apiVersion: apiVersionOf(this.resource), kind: this.resource.kind }));
      version = page.metadata?.resourceVersion ?? version;
      next = page.metadata?.continue ?? "";
    } while (next !== "");
    // A relist (first start, or after 410 Gone) replaces everything: each difference
    // goes through the store, as a watch event would have.
    let mattered = !this.synced;
    for (const [key, before] of this.objects) {
      if (fresh.has(key)) continue;
      this.objects.delete(key);
      if (this.store.changed(key, before, undefined)) mattered = true;
    }
    for (const [key, after] of fresh) {
      const before = this.objects.get(key);
      this.objects.set(key, after);
      if (this.store.changed(key, before, after)) mattered = true;
    }
    this.resourceVersion = version;
    this.synced = true;
    if (mattered) this.onChange();
  }

  /** A 410 Gone: the version is older than the server keeps (e.g. a restarted API server's empty watch cache). */
  private expired(): false {
    this.log.info("watch version expired; listing again", { resource: this.resource.plural, resourceVersion: this.resourceVersion });
    return false;
  }

  /** One watch request. Returns false when the caller must list again (410 Gone). */
  private async watchOnce(): Promise<boolean> {
    const abort = new AbortController();
    this.abort = abort;
    // Spread the servers' watch restarts; the server ends each watch after timeoutSeconds.
    const timeoutSeconds = 240 + Math.floor(this.random() * 120);
    const path = `${collectionPath(this.resource)}?watch=1&allowWatchBookmarks=true&timeoutSeconds=${timeoutSeconds}&resourceVersion=${encodeURIComponent(this.resourceVersion)}`;
    let silent = false;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const armIdle = (): void => {
      if (idle !== undefined) clearTimeout(idle);
      idle = setTimeout(() => {
        silent = true;
        abort.abort();
      }, this.watchIdleTimeoutMs);
    };
    armIdle();
    try {
      for await (const event of this.client.watch(path, abort.signal)) {
        armIdle();
        const object = event.object as KubeObject;
        if (event.type === "ERROR") {
          const code = (object as { code?: number }).code;
          if (code === 410) return this.expired();
          throw new Error(`watch error ${code ?? ""}: ${String((object as { message?: string }).message ?? "")}`);
        }
        const version = object.metadata?.resourceVersion;
        if (version !== undefined) this.resourceVersion = version;
        if (event.type === "BOOKMARK") continue;
        const key = keyOf(object);
        const before = this.objects.get(key);
        let after: T | undefined;
        if (event.type === "DELETED") this.objects.delete(key);
        else this.objects.set(key, (after = this.store.keep(object)));
        if (this.store.changed(key, before, after)) this.onChange();
      }
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 410) return this.expired();
      if (!this.running) return true;
      if (silent) {
        this.log.warn("watch silent too long; starting it again", { resource: this.resource.plural, silentMs: this.watchIdleTimeoutMs });
        return true;
      }
      throw error;
    } finally {
      clearTimeout(idle);
    }
  }
}
