import { describe, expect, test } from "bun:test";
import { COURIER_CONTROLLER_NAME } from "../../../contract/index.ts";
import type { Condition, RouteStatusPlan } from "../../../proxy/model/plan.ts";
import { mergeConditions, mergedGatewayStatus, mergedRouteStatus, statusUpToDate } from "../../../proxy/status/statusMerge.ts";

const accepted = (status: "True" | "False", generation = 1): Condition => ({ type: "Accepted", status, reason: status === "True" ? "Accepted" : "NotAllowedByListeners", message: "", observedGeneration: generation });

describe("conditions", () => {
  test("an unchanged status keeps its lastTransitionTime; a changed one gets the new time", () => {
    const before = [{ type: "Accepted", status: "True", reason: "Accepted", message: "", observedGeneration: 1, lastTransitionTime: "2026-01-01T00:00:00Z" }];
    expect(mergeConditions(before, [accepted("True", 2)], "2026-11-26T08:00:00Z")[0]?.lastTransitionTime).toBe("2026-01-01T00:00:00Z");
    expect(mergeConditions(before, [accepted("False", 2)], "2026-11-26T08:00:00Z")[0]?.lastTransitionTime).toBe("2026-11-26T08:00:00Z");
  });
});

describe("route status.parents", () => {
  const plan: RouteStatusPlan = {
    key: { namespace: "apps", name: "r" },
    apiVersion: "gateway.networking.k8s.io/v1",
    parents: [{ parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw" }, controllerName: COURIER_CONTROLLER_NAME, conditions: [accepted("True")] }],
  };
  const theirs = { parentRef: { name: "other-gw" }, controllerName: "example.com/other", conditions: [{ type: "Accepted", status: "True" }] };
  const staleOurs = { parentRef: { name: "old-gw" }, controllerName: COURIER_CONTROLLER_NAME, conditions: [] };

  test("other controllers' entries keep their content and their place; our stale ones go", () => {
    const status = mergedRouteStatus({ parents: [staleOurs, theirs] }, "apps", plan, "2026-11-26T08:00:00Z", COURIER_CONTROLLER_NAME);
    expect(status.parents).toEqual([
      theirs,
      { parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw" }, controllerName: COURIER_CONTROLLER_NAME, conditions: [{ ...accepted("True"), lastTransitionTime: "2026-11-26T08:00:00Z" }] },
    ]);
  });

  test("our entry is replaced in place, matching a parentRef written with or without defaults", () => {
    const ours = { parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "apps", name: "gw" }, controllerName: COURIER_CONTROLLER_NAME, conditions: [] };
    const status = mergedRouteStatus({ parents: [ours, theirs] }, "apps", plan, "t", COURIER_CONTROLLER_NAME);
    expect((status.parents as { controllerName: string }[]).map((p) => p.controllerName)).toEqual([COURIER_CONTROLLER_NAME, "example.com/other"]);
  });

  test("a route without a parent of ours loses only our entries", () => {
    expect(mergedRouteStatus({ parents: [staleOurs, theirs] }, "apps", undefined, "t", COURIER_CONTROLLER_NAME)).toEqual({ parents: [theirs] });
  });

  test("recomputing an unchanged plan over the written status needs no write", () => {
    const first = mergedRouteStatus({ parents: [theirs] }, "apps", plan, "2026-11-26T08:00:00Z", COURIER_CONTROLLER_NAME);
    const again = mergedRouteStatus(first, "apps", plan, "2026-11-26T09:00:00Z", COURIER_CONTROLLER_NAME);
    expect(statusUpToDate(first, again)).toBe(true);
  });
});

describe("gateway status", () => {
  test("listener conditions keep their times by listener name", () => {
    const plan = {
      key: { namespace: "gs", name: "gw" },
      addresses: [{ type: "IPAddress", value: "127.0.0.1" }],
      conditions: [accepted("True")],
      listeners: [{ name: "tls", supportedKinds: [{ group: "gateway.networking.k8s.io", kind: "TLSRoute" }], attachedRoutes: 2, conditions: [accepted("True")] }],
    };
    const first = mergedGatewayStatus(undefined, plan, "t1");
    const again = mergedGatewayStatus(first, plan, "t2");
    expect(statusUpToDate(first, again)).toBe(true);
    expect(statusUpToDate(first, mergedGatewayStatus(first, { ...plan, listeners: [{ ...plan.listeners[0]!, attachedRoutes: 3 }] }, "t2"))).toBe(false);
  });
});
