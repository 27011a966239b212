// Creates many objects fast: plain POSTs, a fixed number in flight. A 429 (the API
// server's max-inflight limit) or a dropped connection is retried after a short
// pause, a bounded number of times; 409 AlreadyExists counts as done (a rerun).
import { KubeApiError, type KubeClient } from "../../proxy/kubeapi/client.ts";
import { collectionPath } from "../../proxy/kubeapi/resources.ts";
import type { ObjectToCreate } from "./scaleObjects.ts";

const MAX_TRIES = 8;

async function createOne(client: KubeClient, object: ObjectToCreate): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.request("POST", collectionPath(object.resource, object.namespace), object.body);
      return;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) return;
      const retryable = !(error instanceof KubeApiError) || error.status === 429 || error.status >= 500;
      if (!retryable || attempt >= MAX_TRIES) throw error;
      await Bun.sleep(100 * attempt);
    }
  }
}

/** Runs `work` over `items` with at most `concurrency` in flight; the first failure rejects. */
export async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Creates each group after the previous one; returns the number of objects. */
export async function createObjects(client: KubeClient, groups: readonly (readonly ObjectToCreate[])[], concurrency: number): Promise<number> {
  let count = 0;
  for (const group of groups) {
    await inParallel(group, concurrency, (object) => createOne(client, object));
    count += group.length;
  }
  return count;
}
