// Which Events a new Plan calls for, from how it differs from the previous one: a
// route accepted or refused (its Accepted condition changed), a backend that stopped
// or started resolving (ResolvedRefs), a listener that could not bind or bound again
// (Programmed). Pure: plain Plans in, plain intents out; eventRecorder.ts sends them.
import type { Condition, GatewayStatusPlan, ObjectKey, Plan, RouteStatusPlan } from "../model/plan.ts";

const GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1";

/** The object an Event is about (uid and a served apiVersion are added from the live object when sent). */
export interface EventSubject {
  readonly apiVersion: string;
  readonly kind: "GatewayClass" | "Gateway" | "TLSRoute" | "Lease";
  readonly namespace?: string;
  readonly name: string;
}

export interface EventIntent {
  readonly regarding: EventSubject;
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  /** What Courier was doing: "Reconcile" (routes), "Bind" (listeners), "LeaderElection". */
  readonly action: string;
  readonly note: string;
}

function conditionOf(conditions: readonly Condition[], type: string): Condition | undefined {
  return conditions.find((candidate) => candidate.type === type);
}

/** Same state for an Event's purposes (observedGeneration alone changing is no news). */
function sameState(a: Condition | undefined, b: Condition | undefined): boolean {
  return a !== undefined && b !== undefined && a.status === b.status && a.reason === b.reason && a.message === b.message;
}

function keyText(key: ObjectKey): string {
  return key.namespace === undefined ? key.name : `${key.namespace}/${key.name}`;
}

function routeSubject(route: RouteStatusPlan): EventSubject {
  const apiVersion = route.apiVersion.includes("/") ? route.apiVersion : `gateway.networking.k8s.io/${route.apiVersion}`;
  return { apiVersion, kind: "TLSRoute", namespace: route.key.namespace, name: route.key.name };
}

function gatewaySubject(gateway: GatewayStatusPlan): EventSubject {
  return { apiVersion: GATEWAY_API_VERSION, kind: "Gateway", namespace: gateway.key.namespace, name: gateway.key.name };
}

/**
 * The Event for a condition that is now `next` (and was `before`, undefined when it
 * is new), or undefined when nothing a user needs to see happened. A True condition
 * that was never False is not news for ResolvedRefs and Programmed (acceptance says it).
 */
function transition(subject: EventSubject, action: string, before: Condition | undefined, next: Condition | undefined, normalWhenNew: boolean): EventIntent | undefined {
  if (next === undefined || next.status === "Unknown" || sameState(before, next)) return undefined;
  if (next.status === "False") return { regarding: subject, type: "Warning", reason: next.reason, action, note: next.message };
  // True now: news when it was something else before, or when new and asked for.
  if (before === undefined ? !normalWhenNew : before.status === "True" && before.reason === next.reason) return undefined;
  return { regarding: subject, type: "Normal", reason: next.reason, action, note: next.message };
}

function routeIntents(previous: RouteStatusPlan | undefined, next: RouteStatusPlan, onlyWarnings: boolean): EventIntent[] {
  const subject = routeSubject(next);
  const out: EventIntent[] = [];
  for (const parent of next.parents) {
    const ref = JSON.stringify(parent.parentRef);
    const before = previous?.parents.find((candidate) => JSON.stringify(candidate.parentRef) === ref);
    for (const type of ["Accepted", "ResolvedRefs"] as const) {
      const intent = transition(subject, "Reconcile", conditionOf(before?.conditions ?? [], type), conditionOf(parent.conditions, type), type === "Accepted" && !onlyWarnings);
      if (intent !== undefined) out.push(intent);
    }
  }
  return out;
}

function gatewayIntents(previous: GatewayStatusPlan | undefined, next: GatewayStatusPlan): EventIntent[] {
  const subject = gatewaySubject(next);
  const out: EventIntent[] = [];
  for (const listener of next.listeners) {
    const before = previous?.listeners.find((candidate) => candidate.name === listener.name);
    const intent = transition(subject, "Bind", conditionOf(before?.conditions ?? [], "Programmed"), conditionOf(listener.conditions, "Programmed"), false);
    if (intent !== undefined) out.push({ ...intent, note: `listener ${listener.name}: ${intent.note}` });
  }
  return out;
}

/** Several parents (or listeners) saying the same thing make one Event. */
function distinct(intents: readonly EventIntent[]): EventIntent[] {
  const seen = new Set<string>();
  return intents.filter((intent) => {
    const key = JSON.stringify([intent.regarding, intent.type, intent.reason, intent.action, intent.note]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The Events that going from `previous` to `next` calls for. Without a previous Plan
 * (a replica that just became the leader), only the problems `next` has now: the
 * healthy state of every object is not news, and at 10,000 routes would be a flood.
 */
export function eventIntents(previous: Plan | undefined, next: Plan): EventIntent[] {
  const onlyWarnings = previous === undefined;
  const out: EventIntent[] = [];
  const routesBefore = new Map((previous?.routes ?? []).map((route) => [keyText(route.key), route]));
  for (const route of next.routes) {
    const before = routesBefore.get(keyText(route.key));
    // An unchanged entry (the planner reuses them) has nothing new to say.
    if (before === route) continue;
    out.push(...routeIntents(before, route, onlyWarnings));
  }
  const gatewaysBefore = new Map((previous?.gateways ?? []).map((gateway) => [keyText(gateway.key), gateway]));
  for (const gateway of next.gateways) {
    const before = gatewaysBefore.get(keyText(gateway.key));
    if (before === gateway) continue;
    out.push(...gatewayIntents(before, gateway));
  }
  return distinct(out);
}
