// Writes the Plan's status to the API server: only objects whose status differs,
// each with a merge patch that carries the resourceVersion it was computed from, so
// a concurrent change makes the write fail (409) instead of overwriting it. The
// watch then delivers the change and the next sync recomputes from it.
import type { Logger } from "../lib/log.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { Plan } from "../model/plan.ts";
import { KubeApiError, type KubeClient } from "../kubeapi/client.ts";
import type { KubeObject, LiveGatewayObjects } from "../kubeapi/objects.ts";
import { objectPath, type ApiResource } from "../kubeapi/resources.ts";
import { mergedGatewayClassStatus, mergedGatewayStatus, mergedRouteStatus, statusUpToDate, type Json } from "./statusMerge.ts";


export interface StatusResources {
  readonly gatewayClasses: ApiResource;
  readonly gateways: ApiResource;
  readonly tlsRoutes: ApiResource;
}

/** Kubernetes metav1.Time: RFC 3339 in whole seconds. */
function kubeNow(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

export class StatusWriter {
  constructor(
    private readonly client: KubeClient,
    private readonly resources: StatusResources,
    /** This Courier's controllerName: the route status.parents entries it owns. */
    private readonly controllerName: string,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** Brings every status the Plan describes up to date. Returns the number of writes. */
  async sync(plan: Plan, live: LiveGatewayObjects): Promise<number> {
    const now = kubeNow();
    let writes = 0;
    const write = async (resource: ApiResource, object: KubeObject | undefined, status: { [key: string]: Json }): Promise<void> => {
      if (object === undefined || statusUpToDate(object.status, status)) return;
      const { namespace = "", name = "", resourceVersion } = object.metadata ?? {};
      try {
        await this.client.request("PATCH", `${objectPath(resource, namespace, name)}/status`, { metadata: { resourceVersion }, status }, "application/merge-patch+json");
        writes++;
        this.metrics.inc("courier_status_writes_total", "Status writes, by kind and result.", { kind: resource.kind, result: "ok" });
      } catch (error) {
        const conflict = error instanceof KubeApiError && (error.status === 409 || error.status === 404);
        this.metrics.inc("courier_status_writes_total", "Status writes, by kind and result.", { kind: resource.kind, result: conflict ? "conflict" : "error" });
        if (conflict) this.log.debug("status write raced a change; will retry from the new version", { kind: resource.kind, namespace, name });
        else this.log.warn("status write failed", { kind: resource.kind, namespace, name, error: (error as Error).message });
      }
    };

    for (const c of plan.gatewayClasses) {
      const object = live.gatewayClasses.get(`/${c.key.name}`);
      await write(this.resources.gatewayClasses, object, mergedGatewayClassStatus(object?.status, c, now));
    }
    for (const g of plan.gateways) {
      const object = live.gateways.get(`${g.key.namespace ?? ""}/${g.key.name}`);
      await write(this.resources.gateways, object, mergedGatewayStatus(object?.status, g, now));
    }
    const planned = new Map(plan.routes.map((r) => [`${r.key.namespace ?? ""}/${r.key.name}`, r]));
    // Every live route: those the Plan no longer gives a parent of ours lose our entries.
    for (const [key, object] of live.tlsRoutes) {
      const namespace = object.metadata?.namespace ?? "";
      await write(this.resources.tlsRoutes, object, mergedRouteStatus(object.status, namespace, planned.get(key), now, this.controllerName));
    }
    return writes;
  }
}
