// Desired status objects from the Plan and the live object's current status. Pure.
// lastTransitionTime only moves when a condition's status changes, so recomputing
// an unchanged Plan yields an identical status and no write. In a route's
// status.parents only entries with this Courier's controllerName (--controller-name)
// are touched; other controllers' entries, a second Courier's included, keep their
// content and their place.
import { GATEWAY_API_GROUP } from "../../contract/index.ts";
import type { Condition, GatewayClassStatusPlan, GatewayStatusPlan, ParentRefPlan, RouteStatusPlan } from "../model/plan.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface KubeCondition extends Condition {
  readonly lastTransitionTime: string;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function list(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** Conditions in the Plan's order; a condition whose status did not change keeps its time. */
export function mergeConditions(existing: unknown, desired: readonly Condition[], now: string): KubeCondition[] {
  const before = list(existing);
  return desired.map((c) => {
    const old = before.find((e) => e.type === c.type);
    const kept = old !== undefined && old.status === c.status && typeof old.lastTransitionTime === "string";
    return {
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      observedGeneration: c.observedGeneration,
      lastTransitionTime: kept ? (old.lastTransitionTime as string) : now,
    };
  });
}

export function mergedGatewayClassStatus(existing: unknown, plan: GatewayClassStatusPlan, now: string): JsonObject {
  const status = isObject(existing) ? existing : {};
  return {
    conditions: mergeConditions(status.conditions, plan.conditions, now) as unknown as Json[],
    supportedFeatures: plan.supportedFeatures.map((f) => ({ name: f.name })),
  };
}

export function mergedGatewayStatus(existing: unknown, plan: GatewayStatusPlan, now: string): JsonObject {
  const status = isObject(existing) ? existing : {};
  const listenersBefore = list(status.listeners);
  return {
    addresses: plan.addresses.map((a) => ({ type: a.type, value: a.value })),
    conditions: mergeConditions(status.conditions, plan.conditions, now) as unknown as Json[],
    listeners: plan.listeners.map((l) => ({
      name: l.name,
      supportedKinds: l.supportedKinds.map((k) => ({ group: k.group, kind: k.kind })),
      attachedRoutes: l.attachedRoutes,
      conditions: mergeConditions(listenersBefore.find((b) => b.name === l.name)?.conditions, l.conditions, now) as unknown as Json[],
    })),
  };
}

/** A parentRef's identity, with the route's namespace standing in for an absent one. */
function parentKey(ref: unknown, routeNamespace: string): string {
  const r = isObject(ref) ? ref : {};
  return JSON.stringify([
    r.group ?? GATEWAY_API_GROUP,
    r.kind ?? "Gateway",
    r.namespace ?? routeNamespace,
    r.name ?? "",
    r.sectionName ?? "",
    r.port ?? "",
  ]);
}

function parentRefJson(ref: ParentRefPlan): JsonObject {
  const out: JsonObject = { group: ref.group, kind: ref.kind };
  if (ref.namespace !== undefined) out.namespace = ref.namespace;
  out.name = ref.name;
  if (ref.sectionName !== undefined) out.sectionName = ref.sectionName;
  if (ref.port !== undefined) out.port = ref.port;
  return out;
}

/**
 * status.parents for a route: ours (entries with `controllerName`) replaced in place
 * or appended, ours that the Plan no longer has removed, everyone else's left exactly
 * as they were. `plan` undefined means the route has no parent of ours any more.
 */
export function mergedRouteStatus(existing: unknown, routeNamespace: string, plan: RouteStatusPlan | undefined, now: string, controllerName: string): JsonObject {
  const status = isObject(existing) ? existing : {};
  const desired = new Map((plan?.parents ?? []).map((p) => [parentKey(p.parentRef, routeNamespace), p]));
  const parents: Json[] = [];
  const placed = new Set<string>();
  const entry = (key: string, old: JsonObject | undefined): JsonObject => {
    const p = desired.get(key)!;
    placed.add(key);
    return { parentRef: parentRefJson(p.parentRef), controllerName, conditions: mergeConditions(old?.conditions, p.conditions, now) as unknown as Json[] };
  };
  for (const old of list(status.parents)) {
    if (old.controllerName !== controllerName) {
      parents.push(old);
      continue;
    }
    const key = parentKey(old.parentRef, routeNamespace);
    if (desired.has(key) && !placed.has(key)) parents.push(entry(key, old));
  }
  for (const key of desired.keys()) if (!placed.has(key)) parents.push(entry(key, undefined));
  return { parents };
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stable(value[k])}`).join(",")}}`;
  return JSON.stringify(value ?? null);
}

/** True when every field of `desired` already has that value in `existing`. */
export function statusUpToDate(existing: unknown, desired: JsonObject): boolean {
  const current = isObject(existing) ? existing : {};
  return Object.keys(desired).every((k) => stable(current[k]) === stable(desired[k]));
}
