import { describe, expect, test } from "bun:test";
import type { Condition, GatewayStatusPlan, Plan, RouteStatusPlan } from "../../../proxy/model/plan.ts";
import { eventIntents } from "../../../proxy/status/eventIntents.ts";

const cond = (type: string, status: "True" | "False", reason: string, message = `${type} ${reason}`): Condition => ({ type, status, reason, message, observedGeneration: 1 });
const parentRef = { group: "gateway.networking.k8s.io", kind: "Gateway", name: "edge" };

function route(name: string, ...conditions: Condition[]): RouteStatusPlan {
  return { key: { namespace: "apps", name }, apiVersion: "gateway.networking.k8s.io/v1", parents: [{ parentRef, controllerName: "courier.dev/gateway-controller", conditions }] };
}

function gateway(programmed: Condition): GatewayStatusPlan {
  return { key: { namespace: "apps", name: "edge" }, addresses: [], conditions: [], listeners: [{ name: "tls", supportedKinds: [], attachedRoutes: 0, conditions: [programmed] }] };
}

function plan(routes: RouteStatusPlan[], gateways: GatewayStatusPlan[] = []): Plan {
  return { ports: [], gatewayClasses: [], gateways, routes, warnings: [] };
}

const ok = route("db", cond("Accepted", "True", "Accepted"), cond("ResolvedRefs", "True", "ResolvedRefs"));
const missing = route("db", cond("Accepted", "True", "Accepted"), cond("ResolvedRefs", "False", "BackendNotFound", "backend Service apps/cache not found"));
const refused = route("db", cond("Accepted", "False", "NotAllowedByListeners", "no listener allows it"), cond("ResolvedRefs", "True", "ResolvedRefs"));
const subject = { apiVersion: "gateway.networking.k8s.io/v1", kind: "TLSRoute" as const, namespace: "apps", name: "db" };

describe("eventIntents", () => {
  test("nothing changed, nothing to say", () => {
    expect(eventIntents(plan([ok]), plan([ok]))).toEqual([]);
    expect(eventIntents(plan([missing]), plan([structuredClone(missing)]))).toEqual([]);
  });

  test("a new route that is accepted: one Normal Accepted, no ResolvedRefs news", () => {
    expect(eventIntents(plan([]), plan([ok]))).toEqual([{ regarding: subject, type: "Normal", reason: "Accepted", action: "Reconcile", note: "Accepted Accepted" }]);
  });

  test("a backend that stops resolving: Warning with the reason; resolving again: Normal", () => {
    expect(eventIntents(plan([ok]), plan([missing]))).toEqual([{ regarding: subject, type: "Warning", reason: "BackendNotFound", action: "Reconcile", note: "backend Service apps/cache not found" }]);
    expect(eventIntents(plan([missing]), plan([ok]))).toEqual([{ regarding: subject, type: "Normal", reason: "ResolvedRefs", action: "Reconcile", note: "ResolvedRefs ResolvedRefs" }]);
  });

  test("a route refused, then accepted again", () => {
    expect(eventIntents(plan([ok]), plan([refused]))).toEqual([{ regarding: subject, type: "Warning", reason: "NotAllowedByListeners", action: "Reconcile", note: "no listener allows it" }]);
    expect(eventIntents(plan([refused]), plan([ok])).map((e) => [e.type, e.reason])).toEqual([["Normal", "Accepted"]]);
  });

  test("only the generation changing is no news", () => {
    const later = route("db", { ...cond("Accepted", "True", "Accepted"), observedGeneration: 2 }, { ...cond("ResolvedRefs", "True", "ResolvedRefs"), observedGeneration: 2 });
    expect(eventIntents(plan([ok]), plan([later]))).toEqual([]);
  });

  test("without a previous Plan (a new leader): only the problems there are now", () => {
    const other = route("other", cond("Accepted", "True", "Accepted"), cond("ResolvedRefs", "True", "ResolvedRefs"));
    expect(eventIntents(undefined, plan([missing, other])).map((e) => [e.regarding.name, e.type, e.reason])).toEqual([["db", "Warning", "BackendNotFound"]]);
  });

  test("two parents saying the same make one Event", () => {
    const both = (one: RouteStatusPlan): RouteStatusPlan => ({ ...one, parents: [one.parents[0]!, { ...one.parents[0]!, parentRef: { ...parentRef, sectionName: "b" } }] });
    expect(eventIntents(plan([both(ok)]), plan([both(missing)])).length).toBe(1);
  });

  test("a listener that cannot bind: Warning on the Gateway; bound again: Normal", () => {
    const bound = gateway(cond("Programmed", "True", "Programmed", "listening"));
    const unbound = gateway(cond("Programmed", "False", "Pending", "cannot listen on 0.0.0.0:443: in use; retrying"));
    const gw = { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway" as const, namespace: "apps", name: "edge" };
    expect(eventIntents(plan([], [bound]), plan([], [unbound]))).toEqual([{ regarding: gw, type: "Warning", reason: "Pending", action: "Bind", note: "listener tls: cannot listen on 0.0.0.0:443: in use; retrying" }]);
    expect(eventIntents(plan([], [unbound]), plan([], [bound]))).toEqual([{ regarding: gw, type: "Normal", reason: "Programmed", action: "Bind", note: "listener tls: listening" }]);
    expect(eventIntents(plan([]), plan([], [bound]))).toEqual([]);
  });
});
