// Follows the status Courier writes, the way a user's tooling would see it: a list,
// then a watch, of TLSRoutes and Gateways. A route is done when its status.parents
// has Courier's entry with Accepted=True at the route's current generation; a
// Gateway when it is Programmed=True at its generation and its listener counts every
// route attached to it. One watcher per resource; each stops at `stop()`.
import { COURIER_CONTROLLER_NAME } from "../../contract/index.ts";
import type { KubeClient } from "../../proxy/kubeapi/client.ts";
import { collectionPath, type ApiResource } from "../../proxy/kubeapi/resources.ts";

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly observedGeneration?: number;
}

interface WatchedObject {
  readonly spec?: { readonly rules?: readonly { readonly backendRefs?: readonly { readonly name?: string }[] }[] };
  readonly metadata?: { readonly namespace?: string; readonly name?: string; readonly generation?: number; readonly resourceVersion?: string };
  readonly status?: {
    readonly parents?: readonly { readonly controllerName?: string; readonly conditions?: readonly Condition[] }[];
    readonly conditions?: readonly Condition[];
    readonly listeners?: readonly { readonly attachedRoutes?: number }[];
  };
}

const current = (conditions: readonly Condition[] | undefined, type: string, generation: number): boolean =>
  (conditions ?? []).some((c) => c.type === type && c.status === "True" && c.observedGeneration === generation);

export function routeDone(object: WatchedObject): boolean {
  const generation = object.metadata?.generation ?? 0;
  return (object.status?.parents ?? []).some((p) => p.controllerName === COURIER_CONTROLLER_NAME && current(p.conditions, "Accepted", generation));
}

export function gatewayDone(object: WatchedObject, expectedRoutes: number): boolean {
  const generation = object.metadata?.generation ?? 0;
  const attached = (object.status?.listeners ?? []).reduce((sum, l) => sum + (l.attachedRoutes ?? 0), 0);
  return current(object.status?.conditions, "Programmed", generation) && attached === expectedRoutes;
}

export class DoneTracker {
  private readonly done = new Map<string, boolean>();
  private doneCount = 0;
  private running = true;
  private abort: AbortController | undefined;
  private readonly waiters = new Set<{ readonly key: string; readonly test: (object: WatchedObject) => boolean; readonly resolve: (at: number) => void }>();

  constructor(
    private readonly client: KubeClient,
    private readonly resource: ApiResource,
    private readonly isDone: (object: WatchedObject) => boolean,
  ) {}

  /** Objects seen, and how many of them are done. */
  get counts(): { readonly seen: number; readonly done: number } {
    return { seen: this.done.size, done: this.doneCount };
  }

  /**
   * Resolves with performance.now() when this watch delivers an event for `key`
   * ("namespace/name") that passes `test`: how long the API server took to tell a
   * watcher, the part of a route change that is not Courier's.
   */
  seen(key: string, test: (object: WatchedObject) => boolean): Promise<number> {
    return new Promise((resolve) => this.waiters.add({ key, test, resolve }));
  }

  private record(object: WatchedObject, deleted: boolean): void {
    const key = `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
    for (const waiter of this.waiters) {
      if (waiter.key !== key || !waiter.test(object)) continue;
      this.waiters.delete(waiter);
      waiter.resolve(performance.now());
    }
    const before = this.done.get(key) ?? false;
    const after = !deleted && this.isDone(object);
    if (deleted) this.done.delete(key);
    else this.done.set(key, after);
    this.doneCount += Number(after) - Number(before);
  }

  /** Lists and watches until stop(); a watch that ends is started again from where it was. */
  async run(): Promise<void> {
    let version = "";
    let next = "";
    do {
      const page = await this.client.request<{ items?: WatchedObject[]; metadata?: { resourceVersion?: string; continue?: string } }>(
        "GET",
        `${collectionPath(this.resource)}?limit=1000${next === "" ? "" : `&continue=${encodeURIComponent(next)}`}`,
      );
      for (const item of page.items ?? []) this.record(item, false);
      version = page.metadata?.resourceVersion ?? version;
      next = page.metadata?.continue ?? "";
    } while (next !== "");
    while (this.running) {
      this.abort = new AbortController();
      try {
        const path = `${collectionPath(this.resource)}?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${encodeURIComponent(version)}`;
        for await (const event of this.client.watch(path, this.abort.signal)) {
          const object = event.object as WatchedObject;
          if (event.type === "ERROR") throw new Error(`watch ${this.resource.plural}: ${JSON.stringify(event.object).slice(0, 200)}`);
          version = object.metadata?.resourceVersion ?? version;
          if (event.type !== "BOOKMARK") this.record(object, event.type === "DELETED");
        }
      } catch (error) {
        if (!this.running) return;
        throw error;
      }
    }
  }

  stop(): void {
    this.running = false;
    this.abort?.abort();
  }
}
