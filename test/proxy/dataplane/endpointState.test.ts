import { describe, expect, test } from "bun:test";
import { EndpointState, endpointKey } from "../../../proxy/dataplane/endpointState.ts";
import { mergeBackendHealth } from "../../../proxy/dataplane/endpointHealth.ts";

const a = { host: "127.0.0.1", port: 1 };
const b = { host: "127.0.0.2", port: 1 };
const c = { host: "127.0.0.3", port: 1 };

describe("endpoint choice", () => {
  test("idle endpoints share new connections round-robin", () => {
    const state = new EndpointState();
    const picks = Array.from({ length: 6 }, () => endpointKey(state.pick([a, b, c], new Set(), 0)!));
    expect(new Set(picks).size).toBe(3);
  });

  test("the endpoint with the fewest open connections is preferred", () => {
    const state = new EndpointState();
    state.connected(endpointKey(a));
    state.connected(endpointKey(b));
    for (let i = 0; i < 5; i++) expect(state.pick([a, b, c], new Set(), 0)).toEqual(c);
    state.disconnected(endpointKey(a));
    expect([a, c]).toContainEqual(state.pick([a, b, c], new Set(), 0)!);
  });

  test("an endpoint that refused is passed over during its cooldown, then tried again", () => {
    const state = new EndpointState(1_000);
    state.failed(endpointKey(a), 0);
    expect(state.hasHealthy([a], 500)).toBe(false);
    for (let i = 0; i < 3; i++) expect(state.pick([a, b], new Set(), 500)).toEqual(b);
    expect(state.hasHealthy([a], 1_000)).toBe(true);
  });

  test("endpoints already tried for this connection are skipped; cooling ones are a last resort", () => {
    const state = new EndpointState();
    state.failed(endpointKey(b), 0);
    expect(state.pick([a, b], new Set([endpointKey(a)]), 10)).toEqual(b);
    expect(state.pick([a, b], new Set([endpointKey(a), endpointKey(b)]), 10)).toBeUndefined();
  });
});

describe("health merged over data-plane workers", () => {
  test("an endpoint is ejected if any worker ejected it; open connections add up; backends keep their order", () => {
    const a = [{ backend: "Service d/a:443", endpoints: [{ address: "10.0.0.1:443", healthy: true, check: "off" as const, active: 2 }, { address: "10.0.0.2:443", healthy: true, check: "passing" as const, active: 0 }] }, { backend: "Service d/b:443", invalidReason: "BackendNotFound", endpoints: [] }];
    const b = [{ backend: "Service d/a:443", endpoints: [{ address: "10.0.0.1:443", healthy: true, check: "off" as const, active: 3 }, { address: "10.0.0.2:443", healthy: false, check: "failing" as const, active: 0 }] }];
    expect(mergeBackendHealth([a, b])).toEqual([
      { backend: "Service d/a:443", endpoints: [{ address: "10.0.0.1:443", healthy: true, check: "off", active: 5 }, { address: "10.0.0.2:443", healthy: false, check: "failing", active: 0 }] },
      { backend: "Service d/b:443", invalidReason: "BackendNotFound", endpoints: [] },
    ]);
    expect(mergeBackendHealth([])).toEqual([]);
  });
});

describe("active health (a set the checker hands over)", () => {
  test("endpoints failing their checks are passed over while another is usable", () => {
    const state = new EndpointState();
    state.setActivelyUnhealthy(new Set([endpointKey(a)]));
    for (let i = 0; i < 6; i++) expect(state.pick([a, b], new Set(), 0)).toEqual(b);
    expect(state.hasHealthy([a], 0)).toBe(false);
    expect(state.activelyHealthy(endpointKey(a))).toBe(false);
    // Passive health is its own: a failing check is no ejection.
    expect(state.healthy(endpointKey(a), 0)).toBe(true);
    expect(state.overrides).toBe(0);
  });

  test("when every endpoint fails its checks one is still picked, and counted", () => {
    const state = new EndpointState();
    state.setActivelyUnhealthy(new Set([endpointKey(a), endpointKey(b)]));
    expect([a, b]).toContainEqual(state.pick([a, b], new Set(), 0)!);
    expect(state.overrides).toBe(1);
  });

  test("passive ejection works on top: a passing endpoint that refused is passed over too", () => {
    const state = new EndpointState(1_000);
    state.setActivelyUnhealthy(new Set([endpointKey(a)]));
    state.failed(endpointKey(b), 0);
    expect(state.pick([a, b, c], new Set(), 10)).toEqual(c);
    // A new set replaces the old one: a is back.
    state.setActivelyUnhealthy(new Set());
    expect(state.hasHealthy([a], 10)).toBe(true);
  });
});
