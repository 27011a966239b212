import { describe, expect, test } from "bun:test";
import { chooseBackend } from "../../../proxy/dataplane/backendChoice.ts";
import type { PlannedBackend, PlannedRoute } from "../../../proxy/model/plan.ts";

const ep = [{ host: "127.0.0.1", port: 1 }];
function backend(name: string, weight: number, valid = true): PlannedBackend {
  return valid ? { name, weight, endpoints: ep } : { name, weight, invalidReason: "BackendNotFound" };
}
function route(backends: PlannedBackend[], fallback = false): PlannedRoute {
  return { id: "r", backends, settings: { fallback } };
}
/** Outcome for each of n evenly spaced draws. */
function outcomes(r: PlannedRoute, n: number, usable: (b: PlannedBackend) => boolean = () => true): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const c = chooseBackend(r, (i + 0.5) / n, usable);
    const key = c.kind === "backend" ? c.backend.name : c.reason;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe("weighted backend choice", () => {
  test("splits in proportion to weights", () => {
    expect(outcomes(route([backend("a", 90), backend("b", 10)]), 1000)).toEqual(new Map([["a", 900], ["b", 100]]));
  });

  test("weight 0 never receives traffic", () => {
    expect(outcomes(route([backend("a", 1), backend("z", 0)]), 100)).toEqual(new Map([["a", 100]]));
    expect(chooseBackend(route([backend("z", 0)]), 0.3, () => true)).toEqual({ kind: "reject", reason: "no-weighted-backend" });
  });

  test("an invalid backend keeps its share, and that share is rejected", () => {
    expect(outcomes(route([backend("a", 3), backend("bad", 1, false)]), 1000)).toEqual(new Map([["a", 750], ["invalid-backend", 250]]));
  });

  test("a valid backend without usable endpoints gives its share to the others", () => {
    const counts = outcomes(route([backend("a", 1), backend("down", 1)]), 100, (b) => b.name !== "down");
    expect(counts).toEqual(new Map([["a", 100]]));
    expect(chooseBackend(route([backend("down", 1)]), 0.5, () => false)).toEqual({ kind: "reject", reason: "no-ready-endpoint" });
  });

  test("fallback: weight-0 backends serve only while no weighted backend is usable", () => {
    const r = route([backend("primary", 1), backend("standby", 0)], true);
    expect(outcomes(r, 10)).toEqual(new Map([["primary", 10]]));
    expect(outcomes(r, 10, (b) => b.name !== "primary")).toEqual(new Map([["standby", 10]]));
    const plain = route([backend("primary", 1), backend("standby", 0)], false);
    expect(outcomes(plain, 10, (b) => b.name !== "primary")).toEqual(new Map([["no-ready-endpoint", 10]]));
  });

  test("fallback also covers weighted backends that are invalid", () => {
    const r = route([backend("bad", 1, false), backend("standby", 0)], true);
    expect(outcomes(r, 10)).toEqual(new Map([["standby", 10]]));
  });
});
