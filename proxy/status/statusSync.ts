// Keeps the API server's status in step with the latest Plan: the elected leader
// writes, one sync at a time, after every new Plan, on winning leadership, and
// once a minute (a write lost to a conflict or an outage is retried then).
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { COURIER_CONTROLLER_NAME } from "../../contract/index.ts";
import type { Logger } from "../lib/log.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { Plan } from "../model/plan.ts";
import type { KubeClient } from "../kubeapi/client.ts";
import { LeaderElector } from "./leaderElection.ts";
import type { LiveGatewayObjects } from "../kubeapi/objects.ts";
import { StatusWriter, type StatusResources } from "./statusWriter.ts";

const RESYNC_MS = 60_000;

export interface StatusSyncOptions {
  readonly client: KubeClient;
  readonly resources: StatusResources;
  /** The objects as last seen by the watches: their status is merged, their resourceVersion guards the write. */
  readonly live: () => LiveGatewayObjects;
  /** Namespace of the leader-election Lease. */
  readonly leaseNamespace: string;
  /** This Courier's controllerName (--controller-name): whose route status entries it writes, and its Lease's name. */
  readonly controllerName: string;
  readonly identity?: string;
}

export interface StatusSync {
  /** A new Plan is serving: bring status up to date with it. */
  planned(plan: Plan): void;
  stop(): Promise<void>;
}

/**
 * The Lease the replicas of one Courier elect their status writer with. Two Couriers
 * with different controller names are independent controllers: each has its own
 * Lease, even in one namespace. The default name keeps the Lease it always had.
 */
export function statusLeaseName(controllerName: string): string {
  const base = "courier-status-writer";
  if (controllerName === COURIER_CONTROLLER_NAME) return base;
  // Readable, unique (two names that read alike differ in the hash), at most 63 characters.
  const readable = controllerName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 32).replace(/-+$/, "");
  const hash = createHash("sha256").update(controllerName).digest("hex").slice(0, 8);
  return `${base}-${readable}-${hash}`;
}

export function startStatusSync(options: StatusSyncOptions, log: Logger, metrics: Metrics): StatusSync {
  const writer = new StatusWriter(options.client, options.resources, options.controllerName, log, metrics);
  let latest: Plan | undefined;
  let writing = Promise.resolve();

  const sync = (): void => {
    const plan = latest;
    if (plan === undefined || !elector.isLeader) return;
    writing = writing
      .then(async () => {
        // Leadership may have been lost, or a newer Plan arrived, while this sync waited its turn.
        if (plan !== latest || !elector.isLeader) return;
        const writes = await writer.sync(plan, options.live());
        if (writes > 0) log.debug("status written", { objects: writes });
      })
      // One failed sync must not end the chain: the next change or resync tries again.
      .catch((error: unknown) => log.warn("status sync failed", { error: (error as Error).message }));
  };

  const elector = new LeaderElector(options.client, options.leaseNamespace, statusLeaseName(options.controllerName), options.identity ?? `${hostname()}-${process.pid}`, (leader) => leader && sync(), log);
  elector.start();
  const resync = setInterval(sync, RESYNC_MS);

  return {
    planned(plan) {
      latest = plan;
      sync();
    },
    async stop() {
      clearInterval(resync);
      await writing;
      await elector.stop();
    },
  };
}
