// Cluster mode's configuration source: informers for every watched resource feed one
// cache (clusterCache.ts: objects normalized as they arrive, changes that cannot
// alter the Plan filtered out) and the Snapshot is assembled from it; a lone change
// is rebuilt at once, bursts are coalesced (rebuildCoalescer.ts). When the API server
// is unreachable the informers keep their last objects, so no Snapshot is lost.
import type { Logger } from "../../lib/log.ts";
import { BUNDLE_VERSION_ANNOTATION } from "../../../contract/index.ts";
import type { GatewayApiBundle, Snapshot } from "../../model/snapshot.ts";
import type { KubeClient } from "../../kubeapi/client.ts";
import type { LiveGatewayObjects } from "../../kubeapi/objects.ts";
import { ClusterCache, type LiveChange } from "./clusterCache.ts";
import { readGatewayApiBundle } from "./gatewayApiBundle.ts";
import { Informer, type InformerStore } from "./informer.ts";
import type { CachedObject } from "./objectCache.ts";
import { RebuildCoalescer } from "./rebuildCoalescer.ts";
import { discoverResources, type ApiResource, type WatchedResources } from "../../kubeapi/resources.ts";

const BUNDLE_REREAD_MS = 60_000;
const DISCOVERY_RETRY_MS = 2_000;
const REDISCOVERY_MS = 20_000;

export interface ClusterSource {
  /** The resources (group, version, plural) found by discovery. */
  readonly resources: WatchedResources;
  live(): LiveGatewayObjects;
  /** Subscribes the status side to changes of live GatewayClasses, Gateways and TLSRoutes. */
  onLiveChange(listener: LiveChange): void;
  stop(): Promise<void>;
}

export interface ClusterSourceOptions {
  /** Services ("namespace/name") whose changes matter even when no route names them (--address-service). */
  readonly pinnedServices?: ReadonlySet<string>;
}

/** Watches the cluster and hands every coalesced change over as a new Snapshot. */
export async function startClusterSource(client: KubeClient, log: Logger, onSnapshot: (snapshot: Snapshot) => void, options: ClusterSourceOptions = {}): Promise<ClusterSource> {
  const server = client.credentials.server;
  let resources: WatchedResources | undefined;
  while (resources === undefined) {
    try {
      resources = await discoverResources(client);
    } catch (error) {
      log.error("cannot discover the Gateway API resources; retrying", { server, error: (error as Error).message });
      await Bun.sleep(DISCOVERY_RETRY_MS);
    }
  }
  log.info("watching", {
    server,
    tlsroutes: resources.tlsRoutes.version,
    referencegrants: resources.referenceGrants?.version ?? "not served",
    serviceimports: resources.serviceImports?.version ?? "not served",
  });

  const cache = new ClusterCache(log, options.pinnedServices);
  const informer = (resource: ApiResource, store: InformerStore<CachedObject>): Informer<CachedObject> =>
    new Informer(client, resource, () => coalescer.schedule(), log, Math.random, undefined, store);
  const informers = {
    gatewayClasses: informer(resources.gatewayClasses, cache.gatewayClasses),
    gateways: informer(resources.gateways, cache.gateways),
    tlsRoutes: informer(resources.tlsRoutes, cache.tlsRoutes),
    services: informer(resources.services, cache.services),
    endpointSlices: informer(resources.endpointSlices, cache.endpointSlices),
    namespaces: informer(resources.namespaces, cache.namespaces),
  };
  const all: Informer<CachedObject>[] = Object.values(informers);
  // ReferenceGrant and ServiceImport are optional: their CRDs may arrive after Courier
  // starts (a GitOps wave, Multi-Cluster Services added later), so discovery is
  // repeated until both are watched.
  const optional: { referenceGrants: boolean; serviceImports: boolean } = { referenceGrants: false, serviceImports: false };
  const watchOptional = (found: WatchedResources): void => {
    for (const key of ["referenceGrants", "serviceImports"] as const) {
      const resource = found[key];
      if (optional[key] || resource === undefined) continue;
      optional[key] = true;
      const added = informer(resource, key === "referenceGrants" ? cache.referenceGrants : cache.serviceImports);
      all.push(added);
      if (started) {
        log.info("now watching", { [resource.plural]: resource.version });
        added.start();
      }
    }
  };
  let started = false;
  watchOptional(resources);
  const rediscover = setInterval(() => {
    if (optional.referenceGrants && optional.serviceImports) return;
    discoverResources(client).then(watchOptional, (error: unknown) => log.debug("discovery failed", { error: (error as Error).message }));
  }, REDISCOVERY_MS);
  // The gatewayclasses CRD (its bundle-version annotation decides SupportedVersion).
  let bundleCrd: Record<string, unknown> | undefined;
  let bundleVersion: unknown;
  let bundleDeniedLogged = false;
  const readBundle = async (): Promise<void> => {
    try {
      const read = await readGatewayApiBundle(client);
      if ("denied" in read) {
        if (!bundleDeniedLogged) log.warn("cannot read the gatewayclasses CRD: GatewayClass status leaves SupportedVersion out", { error: read.denied });
        bundleDeniedLogged = true;
        bundleCrd = undefined;
      } else {
        bundleCrd = read.crd;
      }
    } catch (error) {
      // Unreachable server: keep what was read before, like the informers do.
      log.debug("cannot read the gatewayclasses CRD", { error: (error as Error).message });
    }
    const version = (bundleCrd?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[BUNDLE_VERSION_ANNOTATION] ?? null;
    if (version !== bundleVersion) {
      bundleVersion = version;
      coalescer.schedule();
    }
  };

  const rebuild = (): void => {
    if (!all.every((i) => i.synced)) return;
    // Without the CRD (or permission to read it) there is no bundle: no SupportedVersion.
    const bundle: GatewayApiBundle | undefined = bundleCrd === undefined ? undefined : typeof bundleVersion === "string" ? { version: bundleVersion } : {};
    onSnapshot(cache.snapshot(bundle));
  };
  const coalescer = new RebuildCoalescer(rebuild);

  await readBundle();
  started = true;
  for (const informer of all) informer.start();
  const rereadBundle = setInterval(() => void readBundle(), BUNDLE_REREAD_MS);

  return {
    resources,
    live: () => cache.live(),
    onLiveChange: (listener) => cache.onLiveChange(listener),
    async stop() {
      clearInterval(rereadBundle);
      clearInterval(rediscover);
      coalescer.stop();
      for (const informer of all) informer.stop();
    },
  };
}
