// Keeps the API server's status in step with the latest Plan: the elected leader
// writes, through a work queue (statusQueue.ts) that writes only what differs,
// after every new Plan and every outside change to a live object, on winning
// leadership, and once a minute (a write lost to a conflict or an outage is retried).
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { COURIER_CONTROLLER_NAME } from "../../contract/index.ts";
import type { Logger } from "../lib/log.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { Plan } from "../model/plan.ts";
import type { KubeClient } from "../kubeapi/client.ts";
import { LeaderElector } from "./leaderElection.ts";
import type { LiveGatewayObjects } from "../kubeapi/objects.ts";
import { StatusQueue } from "./statusQueue.ts";
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
  /** Told each time this replica wins or loses leadership (Events, planEvents.ts). */
  readonly onLeadership?: (leader: boolean) => void;
}

export interface StatusSync {
  /** A new Plan is serving: bring status up to date with it. */
  planned(plan: Plan): void;
  /** The watch saw a live GatewayClass, Gateway or TLSRoute (informer key) change. */
  liveChanged(kind: "GatewayClass" | "Gateway" | "TLSRoute", key: string): void;
  /** This replica holds the Lease and writes status (the admin page, courier_leader). */
  isLeader(): boolean;
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
  const queue = new StatusQueue(writer, options.live, log);
  let stopping = false;

  const onLeadership = (leader: boolean): void => {
    if (stopping) return;
    options.onLeadership?.(leader);
    if (leader) {
      // Another replica may have written meanwhile, or nobody did: check everything.
      queue.queueAll(false);
      queue.start();
    } else {
      void queue.stop();
    }
  };
  const elector = new LeaderElector(options.client, options.leaseNamespace, statusLeaseName(options.controllerName), options.identity ?? `${hostname()}-${process.pid}`, onLeadership, log);
  elector.start();
  const resync = setInterval(() => {
    if (elector.isLeader) queue.queueAll(false);
  }, RESYNC_MS);

  return {
    planned(plan) {
      queue.setPlan(plan);
    },
    liveChanged(kind, key) {
      queue.liveChanged(kind, key);
    },
    isLeader: () => elector.isLeader,
    async stop() {
      stopping = true;
      clearInterval(resync);
      await queue.stop();
      queue.dispose();
      await elector.stop();
    },
  };
}
