// Writes one object's status: the status its Plan entry asks for, merged into the
// live object's (statusMerge.ts), and only when that differs from what is there.
// Each write is a merge patch that carries the resourceVersion it was computed from,
// so a concurrent change makes it fail (409) instead of overwriting it; the watch
// then delivers the change and the status queue computes again from it.
import type { Logger } from "../lib/log.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { GatewayClassStatusPlan, GatewayStatusPlan, RouteStatusPlan } from "../model/plan.ts";
import { KubeApiError, type KubeClient } from "../kubeapi/client.ts";
import type { KubeObject } from "../kubeapi/objects.ts";
import { objectPath, type ApiResource } from "../kubeapi/resources.ts";
import { mergedGatewayClassStatus, mergedGatewayStatus, mergedRouteStatus, statusUpToDate, type Json } from "./statusMerge.ts";

export interface StatusResources {
  readonly gatewayClasses: ApiResource;
  readonly gateways: ApiResource;
  readonly tlsRoutes: ApiResource;
}

/** One object whose status Courier may write, with what the Plan says of it (undefined: nothing; a route then loses Courier's entries). */
export type StatusTarget =
  | { readonly kind: "GatewayClass"; readonly entry: GatewayClassStatusPlan | undefined }
  | { readonly kind: "Gateway"; readonly entry: GatewayStatusPlan | undefined }
  | { readonly kind: "TLSRoute"; readonly entry: RouteStatusPlan | undefined };

export type WriteResult =
  | { readonly outcome: "written"; readonly resourceVersion: string | undefined }
  /** 409 (changed meanwhile) or 404 (gone): the watch brings what happened. */
  | { readonly outcome: "conflict" }
  /** 429: the API server sheds load; back off. */
  | { readonly outcome: "throttled" }
  | { readonly outcome: "failed" };

export type Status = { [key: string]: Json };

/** What the status queue needs of a writer (tests give it a fake). */
export interface StatusWriting {
  desiredStatus(object: KubeObject, target: StatusTarget): Status | undefined;
  patch(object: KubeObject, kind: StatusTarget["kind"], status: Status): Promise<WriteResult>;
}

/** Kubernetes metav1.Time: RFC 3339 in whole seconds. */
function kubeNow(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

export class StatusWriter implements StatusWriting {
  constructor(
    private readonly client: KubeClient,
    private readonly resources: StatusResources,
    /** This Courier's controllerName: the route status.parents entries it owns. */
    private readonly controllerName: string,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** The status to write to `object`, or undefined when what it has is already right (or it is not Courier's to write). */
  desiredStatus(object: KubeObject, target: StatusTarget): Status | undefined {
    if (target.kind !== "TLSRoute" && target.entry === undefined) return undefined;
    const now = kubeNow();
    // Read once: a cached live object parses its status on every read.
    const existing = object.status;
    let status: Status | undefined;
    switch (target.kind) {
      case "GatewayClass":
        status = target.entry === undefined ? undefined : mergedGatewayClassStatus(existing, target.entry, now);
        break;
      case "Gateway":
        status = target.entry === undefined ? undefined : mergedGatewayStatus(existing, target.entry, now);
        break;
      case "TLSRoute":
        status = mergedRouteStatus(existing, object.metadata?.namespace ?? "", target.entry, now, this.controllerName);
        break;
    }
    return status === undefined || statusUpToDate(existing, status) ? undefined : status;
  }

  async patch(object: KubeObject, kind: StatusTarget["kind"], status: Status): Promise<WriteResult> {
    const resource = kind === "GatewayClass" ? this.resources.gatewayClasses : kind === "Gateway" ? this.resources.gateways : this.resources.tlsRoutes;
    const { namespace = "", name = "", resourceVersion } = object.metadata ?? {};
    const count = (result: string): void => this.metrics.inc("courier_status_writes_total", "Status writes, by kind and result.", { kind, result });
    try {
      const written = await this.client.request<KubeObject>("PATCH", `${objectPath(resource, namespace, name)}/status`, { metadata: { resourceVersion }, status }, "application/merge-patch+json");
      count("ok");
      this.log.debug("status written", { kind, namespace, name });
      return { outcome: "written", resourceVersion: written.metadata?.resourceVersion };
    } catch (error) {
      if (error instanceof KubeApiError && (error.status === 409 || error.status === 404)) {
        count("conflict");
        this.log.debug("status write raced a change; will retry from the new version", { kind, namespace, name });
        return { outcome: "conflict" };
      }
      if (error instanceof KubeApiError && error.status === 429) {
        count("throttled");
        this.log.debug("status write throttled by the API server; backing off", { kind, namespace, name });
        return { outcome: "throttled" };
      }
      count("error");
      this.log.warn("status write failed", { kind, namespace, name, error: (error as Error).message });
      return { outcome: "failed" };
    }
  }
}
