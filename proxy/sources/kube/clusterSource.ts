// Cluster mode's configuration source: informers for every watched resource feed one
// Snapshot; bursts of events are coalesced into one rebuild. When the API server is
// unreachable the informers keep their last objects, so no Snapshot is lost.
import type { Logger } from "../../lib/log.ts";
import { formatObjectError, normalizeObjects } from "../normalize/normalize.ts";
import { BUNDLE_VERSION_ANNOTATION } from "../../../contract/index.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import type { KubeClient } from "../../kubeapi/client.ts";
import type { LiveGatewayObjects } from "../../kubeapi/objects.ts";
import { readGatewayApiBundle } from "./gatewayApiBundle.ts";
import { Informer } from "./informer.ts";
import { discoverResources, type WatchedResources } from "../../kubeapi/resources.ts";

const COALESCE_MS = 50;
const BUNDLE_REREAD_MS = 60_000;
const DISCOVERY_RETRY_MS = 2_000;
const REDISCOVERY_MS = 20_000;

export interface ClusterSource {
  /** The resources (group, version, plural) found by discovery. */
  readonly resources: WatchedResources;
  live(): LiveGatewayObjects;
  stop(): Promise<void>;
}

/** Watches the cluster and hands every coalesced change over as a new Snapshot. */
export async function startClusterSource(client: KubeClient, log: Logger, onSnapshot: (snapshot: Snapshot) => void): Promise<ClusterSource> {
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

  let timer: ReturnType<typeof setTimeout> | undefined;
  const informers = {
    gatewayClasses: new Informer(client, resources.gatewayClasses, () => schedule(), log),
    gateways: new Informer(client, resources.gateways, () => schedule(), log),
    tlsRoutes: new Informer(client, resources.tlsRoutes, () => schedule(), log),
    services: new Informer(client, resources.services, () => schedule(), log),
    endpointSlices: new Informer(client, resources.endpointSlices, () => schedule(), log),
    namespaces: new Informer(client, resources.namespaces, () => schedule(), log),
  };
  const all: Informer[] = Object.values(informers);
  // ReferenceGrant and ServiceImport are optional: their CRDs may arrive after Courier
  // starts (a GitOps wave, Multi-Cluster Services added later), so discovery is
  // repeated until both are watched.
  const optional: { referenceGrants: boolean; serviceImports: boolean } = { referenceGrants: false, serviceImports: false };
  const watchOptional = (found: WatchedResources): void => {
    for (const key of ["referenceGrants", "serviceImports"] as const) {
      const resource = found[key];
      if (optional[key] || resource === undefined) continue;
      optional[key] = true;
      const informer = new Informer(client, resource, () => schedule(), log);
      all.push(informer);
      if (started) {
        log.info("now watching", { [resource.plural]: resource.version });
        informer.start();
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
      schedule();
    }
  };

  const rebuild = (): void => {
    timer = undefined;
    if (!all.every((i) => i.synced)) return;
    const objects = [...all.flatMap((i) => [...i.objects.values()].map((object) => ({ object }))), ...(bundleCrd === undefined ? [] : [{ object: bundleCrd }])];
    const { snapshot, errors } = normalizeObjects(objects);
    for (const error of errors) log.warn("object left out", { error: formatObjectError(error) });
    onSnapshot(snapshot);
  };
  const schedule = (): void => {
    timer ??= setTimeout(rebuild, COALESCE_MS);
  };

  await readBundle();
  started = true;
  for (const informer of all) informer.start();
  const rereadBundle = setInterval(() => void readBundle(), BUNDLE_REREAD_MS);

  return {
    resources,
    live: () => ({ gatewayClasses: informers.gatewayClasses.objects, gateways: informers.gateways.objects, tlsRoutes: informers.tlsRoutes.objects }),
    async stop() {
      clearInterval(rereadBundle);
      clearInterval(rediscover);
      if (timer !== undefined) clearTimeout(timer);
      for (const informer of all) informer.stop();
    },
  };
}
