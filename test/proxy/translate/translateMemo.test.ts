// Incremental translation against the full one, its oracle (issue 16): a long random
// sequence of watch events goes through cluster mode's cache (objects normalized and
// slimmed as they arrive, Snapshot lists reused while unchanged) and an incremental
// translate() on one TranslateMemo; after every event its Plan must equal the full
// translate() of the same objects normalized from scratch. And whenever the cache
// says an event cannot change the Plan (no rebuild), the full Plan indeed did not.
import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../proxy/kubeapi/objects.ts";
import { Logger } from "../../../proxy/lib/log.ts";
import type { Plan } from "../../../proxy/model/plan.ts";
import { ClusterCache } from "../../../proxy/sources/kube/clusterCache.ts";
import type { InformerStore } from "../../../proxy/sources/kube/informer.ts";
import type { CachedObject } from "../../../proxy/sources/kube/objectCache.ts";
import { normalizeObjects } from "../../../proxy/sources/normalize/normalize.ts";
import { translate, type GatewayAddresses, type TranslateOptions } from "../../../proxy/translate/translate.ts";
import { TranslateMemo } from "../../../proxy/translate/translateMemo.ts";
import { seededRandom } from "../../helpers/seededRandom.ts";
import { RandomWorld, type RawObject } from "./randomWorld.ts";

const STEPS = 1_000;

function storeOf(cache: ClusterCache, kind: string): InformerStore<CachedObject> {
  switch (kind) {
    case "GatewayClass":
      return cache.gatewayClasses;
    case "Gateway":
      return cache.gateways;
    case "TLSRoute":
      return cache.tlsRoutes;
    case "ReferenceGrant":
      return cache.referenceGrants;
    case "Service":
      return cache.services;
    case "EndpointSlice":
      return cache.endpointSlices;
    case "ServiceImport":
      return cache.serviceImports;
    default:
      return cache.namespaces;
  }
}

/** Random serve options now and then: a port offset, Gateways bound to other addresses. */
function randomOptions(random: () => number, plan: Plan | undefined): TranslateOptions {
  const gatewayAddresses = new Map<string, GatewayAddresses>();
  for (const gateway of plan?.gateways ?? []) {
    if (random() < 0.5) gatewayAddresses.set(`${gateway.key.namespace}/${gateway.key.name}`, { bind: random() < 0.5 ? "127.0.0.2" : "0.0.0.0" });
  }
  return { portOffset: random() < 0.5 ? 0 : 10_000, gatewayAddresses };
}

describe("incremental translate", () => {
  for (const seed of [1, 7, 2026]) {
    test(`equals the full translate over ${STEPS} random watch events (seed ${seed})`, () => {
      const random = seededRandom(seed);
      const world = new RandomWorld(random);
      const cache = new ClusterCache(new Logger("error", () => {}));
      // What each informer would hold, by kind and informer key.
      const kept = new Map<string, CachedObject>();
      const memo = new TranslateMemo();
      let options: TranslateOptions = {};
      let previous: Plan | undefined;
      let skipped = 0;
      for (let step = 0; step < STEPS; step++) {
        // A rebuild is due whenever the options change (the planner's job, not the cache's).
        const optionsChanged = random() < 0.03;
        if (optionsChanged) options = randomOptions(random, previous);
        const event = world.next();
        const object = (event.after ?? event.before)!;
        const store = storeOf(cache, object.kind);
        const informerKey = `${object.metadata.namespace ?? ""}/${object.metadata.name}`;
        const before = kept.get(event.key);
        const after = event.after === undefined ? undefined : store.keep(event.after as unknown as KubeObject);
        if (after === undefined) kept.delete(event.key);
        else kept.set(event.key, after);
        const mattered = store.changed(informerKey, before, after);

        const full = translate(normalizeObjects([...world.objects.values()].map((raw: RawObject) => ({ object: raw }))).snapshot, options);
        const incremental = translate(cache.snapshot(undefined), options, memo);
        expect({ step, plan: incremental }).toEqual({ step, plan: full });
        if (!mattered && !optionsChanged && previous !== undefined) {
          skipped++;
          expect({ step, event: event.key, plan: full }).toEqual({ step, event: event.key, plan: previous });
        }
        previous = full;
      }
      // The sequence must exercise both paths.
      expect(skipped).toBeGreaterThan(STEPS / 10);
      expect(previous!.routes.length).toBeGreaterThan(0);
    }, 120_000);
  }
});
