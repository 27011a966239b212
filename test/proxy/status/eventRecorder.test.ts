import { describe, expect, test } from "bun:test";
import { Logger } from "../../../proxy/lib/log.ts";
import { KubeApiError } from "../../../proxy/kubeapi/client.ts";
import type { EventIntent } from "../../../proxy/status/eventIntents.ts";
import { EventRecorder, SERIES_WINDOW_MS } from "../../../proxy/status/eventRecorder.ts";
import { EVENT_BURST } from "../../../proxy/status/eventSpamFilter.ts";
import { PlanEvents } from "../../../proxy/status/planEvents.ts";

interface Call {
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
}

function fakeApi(missing = false): { calls: Call[]; request<T>(method: string, path: string, body?: unknown): Promise<T> } {
  const calls: Call[] = [];
  return {
    calls,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      calls.push({ method, path, body: body as Record<string, unknown> });
      if (method === "PATCH" && missing) throw new KubeApiError(404, "NotFound", "gone");
      return {} as T;
    },
  };
}

const intent: EventIntent = { regarding: { apiVersion: "gateway.networking.k8s.io/v1", kind: "TLSRoute", namespace: "apps", name: "db" }, type: "Warning", reason: "BackendNotFound", action: "Reconcile", note: "backend not found" };
const log = new Logger("error");

function recorder(api: ReturnType<typeof fakeApi>, clock: { t: number }): EventRecorder {
  return new EventRecorder(api, { reportingController: "courier.dev/gateway-controller", reportingInstance: "pod-1", lookup: () => ({ uid: "u-1" }), now: () => clock.t }, log);
}

describe("EventRecorder", () => {
  test("creates an events.k8s.io/v1 Event with the object's uid, then counts repeats in its series", async () => {
    const api = fakeApi();
    const clock = { t: Date.UTC(2026, 11, 1, 12) };
    const events = recorder(api, clock);
    events.record(intent);
    clock.t += 1000;
    events.record(intent);
    clock.t += 1000;
    events.record(intent);
    await events.flushed();
    expect(api.calls.map((c) => c.method)).toEqual(["POST", "PATCH", "PATCH"]);
    const created = api.calls[0]!.body;
    expect(api.calls[0]!.path).toBe("/apis/events.k8s.io/v1/namespaces/apps/events");
    expect(created).toMatchObject({ apiVersion: "events.k8s.io/v1", type: "Warning", reason: "BackendNotFound", action: "Reconcile", note: "backend not found", reportingController: "courier.dev/gateway-controller", reportingInstance: "pod-1", eventTime: "2026-12-01T12:00:00.000000Z" });
    expect(created["regarding"]).toEqual({ ...intent.regarding, uid: "u-1" });
    const name = (created["metadata"] as { name: string }).name;
    expect(api.calls[2]!.path).toBe(`/apis/events.k8s.io/v1/namespaces/apps/events/${name}`);
    expect(api.calls[2]!.body).toEqual({ series: { count: 3, lastObservedTime: "2026-12-01T12:00:02.000000Z" } });
  });

  test("after the window, or once the Event is gone, a new Event", async () => {
    const clock = { t: 1_000_000 };
    const api = fakeApi();
    const events = recorder(api, clock);
    events.record(intent);
    clock.t += SERIES_WINDOW_MS;
    events.record(intent);
    await events.flushed();
    expect(api.calls.map((c) => c.method)).toEqual(["POST", "POST"]);
    const gone = fakeApi(true);
    const again = recorder(gone, clock);
    again.record(intent);
    again.record(intent);
    await again.flushed();
    expect(gone.calls.map((c) => c.method)).toEqual(["POST", "PATCH", "POST"]);
  });

  test("a different note is a different Event; one object past its burst is dropped", async () => {
    const api = fakeApi();
    const events = recorder(api, { t: 5 });
    for (let i = 0; i < EVENT_BURST + 5; i++) events.record({ ...intent, note: `n${i}` });
    await events.flushed();
    expect(api.calls.length).toBe(EVENT_BURST);
  });
});

describe("PlanEvents", () => {
  test("only the leader sends; a new leader tells its leadership and the problems there are now", () => {
    const sent: EventIntent[] = [];
    const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease" as const, namespace: "courier", name: "courier-status-writer" };
    const events = new PlanEvents({ record: (i) => sent.push(i) }, lease, "pod-1");
    const cond = (type: string, status: "True" | "False", reason: string) => ({ type, status, reason, message: reason, observedGeneration: 1 });
    const plan = (status: "True" | "False", reason: string) => ({
      ports: [], gatewayClasses: [], gateways: [], warnings: [],
      routes: [{ key: { namespace: "apps", name: "db" }, apiVersion: "gateway.networking.k8s.io/v1", parents: [{ parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "edge" }, controllerName: "c", conditions: [cond("Accepted", "True", "Accepted"), cond("ResolvedRefs", status, reason)] }] }],
    });
    events.planned(plan("False", "BackendNotFound"));
    expect(sent).toEqual([]);
    events.leadership(true);
    expect(sent.map((e) => [e.regarding.kind, e.type, e.reason])).toEqual([["Lease", "Normal", "LeaderElected"], ["TLSRoute", "Warning", "BackendNotFound"]]);
    events.planned(plan("True", "ResolvedRefs"));
    expect(sent.at(-1)?.reason).toBe("ResolvedRefs");
    events.leadership(false);
    expect(sent.at(-1)?.reason).toBe("LeaderLost");
    const count = sent.length;
    events.planned(plan("False", "BackendNotFound"));
    expect(sent.length).toBe(count);
  });
});
