// Events for what each new Plan changed, sent only by the leader (the replica that
// writes status): every replica follows the Plans, so a new leader knows what it
// takes over and says only the problems there are now, not everything again.
// Leadership itself is told as an Event on the Lease.
import { hostname } from "node:os";
import type { Logger } from "../lib/log.ts";
import type { KubeClient } from "../kubeapi/client.ts";
import type { Plan } from "../model/plan.ts";
import type { LiveGatewayObjects } from "../kubeapi/objects.ts";
import { eventIntents, type EventIntent, type EventSubject } from "./eventIntents.ts";
import { EventRecorder, type SubjectLookup } from "./eventRecorder.ts";
import { statusLeaseName } from "./statusSync.ts";

export interface EventRecording {
  record(intent: EventIntent): void;
}

export class PlanEvents {
  private previous: Plan | undefined;
  private leader = false;

  constructor(
    private readonly recorder: EventRecording,
    /** The Lease the replicas elect their leader with. */
    private readonly lease: EventSubject,
    private readonly identity: string,
  ) {}

  /** A new Plan (as programmed: unbound listeners included). */
  planned(plan: Plan): void {
    const previous = this.previous;
    this.previous = plan;
    if (this.leader) this.send(eventIntents(previous, plan));
  }

  leadership(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    const note = leader ? `${this.identity} became leader` : `${this.identity} stopped leading`;
    this.recorder.record({ regarding: this.lease, type: "Normal", reason: leader ? "LeaderElected" : "LeaderLost", action: "LeaderElection", note });
    if (leader && this.previous !== undefined) this.send(eventIntents(undefined, this.previous));
  }

  private send(intents: readonly EventIntent[]): void {
    for (const intent of intents) this.recorder.record(intent);
  }
}

/** Finds an Event's object among the watched ones, for its uid (kubectl describe matches Events by it). */
export function liveLookup(live: () => LiveGatewayObjects): SubjectLookup {
  return (subject) => {
    const objects = live();
    const map = subject.kind === "TLSRoute" ? objects.tlsRoutes : subject.kind === "Gateway" ? objects.gateways : subject.kind === "GatewayClass" ? objects.gatewayClasses : undefined;
    const object = map?.get(subject.namespace === undefined ? subject.name : `${subject.namespace}/${subject.name}`);
    if (object === undefined) return undefined;
    const apiVersion = typeof object["apiVersion"] === "string" ? object["apiVersion"] : undefined;
    return { uid: object.metadata?.uid, apiVersion };
  };
}

/** Events as `serve` sends them in cluster mode: as this controller, from this pod (or host). */
export function clusterPlanEvents(client: KubeClient, controllerName: string, leaseNamespace: string, live: () => LiveGatewayObjects, log: Logger): PlanEvents {
  const instance = hostname();
  const recorder = new EventRecorder(client, { reportingController: controllerName, reportingInstance: instance, lookup: liveLookup(live) }, log);
  const lease: EventSubject = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: leaseNamespace, name: statusLeaseName(controllerName) };
  return new PlanEvents(recorder, lease, instance);
}
