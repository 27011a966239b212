// `--keep`: creating 50,000 objects takes the test API server minutes, so a kept
// cluster is reused by the next run of the same size. A marker beside the objects
// records what was created and where the backends listened (the EndpointSlices
// name those ports, so the backends must listen there again); before Courier starts,
// every TLSRoute and Gateway status is removed, so the run starts from scratch
// as far as Courier can tell.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeClient } from "../../proxy/kubeapi/client.ts";
import { collectionPath, objectPath } from "../../proxy/kubeapi/resources.ts";
import { inParallel } from "./createObjects.ts";
import { PROBE_NAMESPACE, PROBE_ROUTE, PROBE_SERVICES, RESOURCES, type BackendPorts } from "./scaleObjects.ts";

export interface KeptObjects {
  readonly routes: number;
  readonly ports: BackendPorts;
}

const markerPath = (dir: string): string => join(dir, "scale-objects.json");

export function readKept(dir: string, routes: number): KeptObjects | undefined {
  if (!existsSync(markerPath(dir))) return undefined;
  const kept = JSON.parse(readFileSync(markerPath(dir), "utf8")) as KeptObjects;
  return kept.routes === routes ? kept : undefined;
}

export function writeKept(dir: string, kept: KeptObjects): void {
  writeFileSync(markerPath(dir), JSON.stringify(kept));
}

/** Removes every TLSRoute and Gateway status and puts the probe route back on probe-a; returns the number of objects reset. */
export async function resetStatus(client: KubeClient, concurrency: number): Promise<number> {
  let count = 0;
  for (const resource of [RESOURCES.gateways, RESOURCES.tlsRoutes]) {
    const keys: { namespace: string; name: string }[] = [];
    let next = "";
    do {
      const page = await client.request<{ items?: { metadata: { namespace: string; name: string } }[]; metadata?: { continue?: string } }>(
        "GET",
        `${collectionPath(resource)}?limit=1000${next === "" ? "" : `&continue=${encodeURIComponent(next)}`}`,
      );
      for (const item of page.items ?? []) keys.push(item.metadata);
      next = page.metadata?.continue ?? "";
    } while (next !== "");
    await inParallel(keys, concurrency, async (key) => {
      await client.request("PATCH", `${objectPath(resource, key.namespace, key.name)}/status`, { status: null }, "application/merge-patch+json");
    });
    count += keys.length;
  }
  await client.request(
    "PATCH",
    objectPath(RESOURCES.tlsRoutes, PROBE_NAMESPACE, PROBE_ROUTE),
    { spec: { rules: [{ backendRefs: [{ name: PROBE_SERVICES[0], port: 443 }] }] } },
    "application/merge-patch+json",
  );
  return count;
}
