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
    const a = [{ backend: "Service d/a:443", endpoints: [{ address: "10.0.0.1:443", healthy: true, active: 2 }, { address: "10.0.0.2:443", healthy: true, active: 0 }] }, { backend: "Service d/b:443", invalidReason: "BackendNotFound", endpoints: [] }];
    const b = [{ backend: "Service d/a:443", endpoints: [{ address: "10.0.0.1:443", healthy: true, active: 3 }, { address: "10.0.0.2:443", healthy: false, active: 0 }] }];
    expect(mergeBackendHealth([a, b])).toEqual([
      { backend: "Service d/a:443", endpoints: [{ address: "10.0.0.1:443", healthy: true, active: 5 }, { address: "10.0.0.2:443", healthy: false, active: 0 }] },
      { backend: "Service d/b:443", invalidReason: "BackendNotFound", endpoints: [] },
    ]);
    expect(mergeBackendHealth([])).toEqual([]);
  });
});
