import { describe, expect, test } from "bun:test";
import { type AttemptSources, EndpointAttempts } from "../../../proxy/dataplane/endpointAttempts.ts";
import { EndpointState, endpointKey } from "../../../proxy/dataplane/endpointState.ts";
import type { EndpointAddress, PlannedBackend, PlannedRoute } from "../../../proxy/model/plan.ts";

const a1 = { host: "10.0.1.1", port: 1 };
const a2 = { host: "10.0.1.2", port: 1 };
const a3 = { host: "10.0.1.3", port: 1 };
const b1 = { host: "10.0.2.1", port: 1 };

function backend(name: string, weight: number, endpoints: EndpointAddress[] | undefined): PlannedBackend {
  return endpoints === undefined ? { name, weight, invalidReason: "BackendNotFound" } : { name, weight, endpoints };
}
function route(backends: PlannedBackend[], fallback = false): PlannedRoute {
  return { id: "r", backends, settings: { fallback } };
}
function sources(connectTries = 3, draw = 0.5, endpoints = new EndpointState()): AttemptSources {
  return { endpoints, random: () => draw, limits: { connectTries } };
}

/** Plays a connection whose every connect fails: the endpoints tried, then the refusal. */
function failEvery(attempts: EndpointAttempts, from: AttemptSources): { tried: string[]; reason: string } {
  const tried: string[] = [];
  for (;;) {
    const next = attempts.next(from, 0);
    if (typeof next === "string") return { tried, reason: next };
    tried.push(endpointKey(next));
    attempts.failed(endpointKey(next));
  }
}

describe("endpoint attempts", () => {
  test("the first attempt draws a backend and one of its endpoints", () => {
    const attempts = new EndpointAttempts(route([backend("a", 1, [a1, a2])]));
    expect([a1, a2]).toContainEqual(attempts.next(sources(), 0) as EndpointAddress);
    expect(attempts.backend?.name).toBe("a");
  });

  test("a failed endpoint is not tried again; other endpoints of the same backend are", () => {
    const r = route([backend("a", 1, [a1, a2, a3]), backend("b", 1, [b1])]);
    const { tried, reason } = failEvery(new EndpointAttempts(r), sources(5, 0.1));
    expect(new Set(tried)).toEqual(new Set([a1, a2, a3].map(endpointKey)));
    expect(reason).toBe("connect-failed");
  });

  test("no more than connectTries endpoints are tried", () => {
    const r = route([backend("a", 1, [a1, a2, a3])]);
    const { tried, reason } = failEvery(new EndpointAttempts(r), sources(2));
    expect(tried).toHaveLength(2);
    expect(reason).toBe("connect-failed");
  });

  test("with fallback, a weight-0 backend takes over once the weighted one has failed", () => {
    const r = route([backend("primary", 1, [a1]), backend("standby", 0, [b1])], true);
    const attempts = new EndpointAttempts(r);
    const { tried } = failEvery(attempts, sources());
    expect(tried).toEqual([endpointKey(a1), endpointKey(b1)]);
    expect(attempts.backend?.name).toBe("standby");
  });

  test("without fallback, the connection stays with the backend it drew", () => {
    const r = route([backend("primary", 1, [a1]), backend("standby", 0, [b1])]);
    expect(failEvery(new EndpointAttempts(r), sources())).toEqual({ tried: [endpointKey(a1)], reason: "connect-failed" });
  });

  test("endpoints that refused recently are passed over, and still tried when nothing else is left", () => {
    const state = new EndpointState(1_000);
    state.failed(endpointKey(a1), 0);
    const r = route([backend("a", 1, [a1, a2])]);
    expect(failEvery(new EndpointAttempts(r), sources(3, 0.5, state)).tried).toEqual([endpointKey(a2), endpointKey(a1)]);
    // Every endpoint of every backend cooling down: try one rather than refuse.
    state.failed(endpointKey(a2), 0);
    expect([a1, a2]).toContainEqual(new EndpointAttempts(r).next(sources(3, 0.5, state), 10) as EndpointAddress);
  });

  test("backend-choice refusals are passed on", () => {
    expect(new EndpointAttempts(route([backend("a", 1, [])])).next(sources(), 0)).toBe("no-ready-endpoint");
    expect(new EndpointAttempts(route([backend("bad", 1, undefined)])).next(sources(), 0)).toBe("invalid-backend");
    expect(new EndpointAttempts(route([backend("z", 0, [a1])])).next(sources(), 0)).toBe("no-weighted-backend");
  });
});
