// Cluster mode's configuration source: informers for every watched resource feed one
// Snapshot; bursts of events are coalesced into one rebuild. The elected leader also
// writes status. When the API server is unreachable the informers keep their last
// objects, so the data plane keeps the last good Plan.
import { hostname } from "node:os";
import type { Logger } from "../../lib/log.ts";
import type { Metrics } from "../../lib/metrics.ts";
import { formatObjectError, normalizeObjects } from "../normalize/normalize.ts";
import type { Plan } from "../../model/plan.ts";
import { BUNDLE_VERSION_ANNOTATION } from "../../model/snapshot.ts";
import { LeaderElector } from "../../status/leaderElection.ts";
import { StatusWriter } from "../../status/statusWriter.ts";
import { translate, type TranslateOptions } from "../../translate/translate.ts";
import { KubeClient } from "../../kubeapi/client.ts";
import { readGatewayApiBundle } from "./gatewayApiBundle.ts";
import type { KubeCredentials } from "../../kubeapi/credentials.ts";
import { Informer } from "./informer.ts";
import { discoverResources, type WatchedResources } from "../../kubeapi/resources.ts";

const COALESCE_MS = 50;
const RESYNC_MS = 60_000;
const DISCOVERY_RETRY_MS = 2_000;
const REDISCOVERY_MS = 20_000;

export interface ClusterSourceOptions {
  readonly credentials: KubeCredentials;
  readonly translate: TranslateOptions;
  /** Namespace of the leader-election Lease. */
  readonly leaseNamespace: string;
  readonly identity?: string;
}

export interface ClusterSource {
  stop(): Promise<void>;
}

export async function startClusterSource(options: ClusterSourceOptions, log: Logger, metrics: Metrics, apply: (plan: Plan) => void): Promise<ClusterSource> {
  const client = new KubeClient(options.credentials);
  let resources: WatchedResources | undefined;
  while (resources === undefined) {
    try {
      resources = await discoverResources(client);
    } catch (error) {
      log.error("cannot discover the Gateway API resources; retrying", { server: options.credentials.server, error: (error as Error).message });
      await Bun.sleep(DISCOVERY_RETRY_MS);
    }
  }
  log.info("watching", {
    server: options.credentials.server,
    tlsroutes: resources.tlsRoutes.version,
    referencegrants: resources.referenceGrants?.version ?? "not served",
    serviceimports: resources.serviceImports?.version ?? "not served",
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest: Plan | undefined;
  let writing = Promise.resolve();
  const writer = new StatusWriter(client, resources, log, metrics);
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

  const writeStatus = (): void => {
    const plan = latest;
    if (plan === undefined || !elector.isLeader) return;
    writing = writing
      .then(async () => {
        // Leadership may have been lost while this sync waited its turn.
        if (plan !== latest || !elector.isLeader) return;
        const writes = await writer.sync(plan, { gatewayClasses: informers.gatewayClasses.objects, gateways: informers.gateways.objects, tlsRoutes: informers.tlsRoutes.objects });
        if (writes > 0) log.debug("status written", { objects: writes });
      })
      // One failed sync must not end the chain: the next change or resync tries again.
      .catch((error: unknown) => log.warn("status sync failed", { error: (error as Error).message }));
  };

  const rebuild = (): void => {
    timer = undefined;
    if (!all.every((i) => i.synced)) return;
    const objects = [...all.flatMap((i) => [...i.objects.values()].map((object) => ({ object }))), ...(bundleCrd === undefined ? [] : [{ object: bundleCrd }])];
    const { snapshot, errors } = normalizeObjects(objects);
    for (const error of errors) log.warn("object left out", { error: formatObjectError(error) });
    const plan = translate(snapshot, options.translate);
    latest = plan;
    apply(plan);
    writeStatus();
  };
  const schedule = (): void => {
    timer ??= setTimeout(rebuild, COALESCE_MS);
  };

  const elector = new LeaderElector(client, options.leaseNamespace, "courier-status-writer", options.identity ?? `${hostname()}-${process.pid}`, (leader) => leader && writeStatus(), log);
  await readBundle();
  started = true;
  for (const informer of all) informer.start();
  elector.start();
  const resync = setInterval(() => {
    void readBundle();
    writeStatus();
  }, RESYNC_MS);

  return {
    async stop() {
      clearInterval(resync);
      clearInterval(rediscover);
      if (timer !== undefined) clearTimeout(timer);
      for (const informer of all) informer.stop();
      await writing;
      await elector.stop();
    },
  };
}
