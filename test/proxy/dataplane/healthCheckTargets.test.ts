import { describe, expect, test } from "bun:test";
import type { HealthCheckSettings } from "../../../contract/index.ts";
import { healthCheckTargets, probeServerName } from "../../../proxy/dataplane/healthCheckTargets.ts";
import type { PlannedPort, PlannedRoute } from "../../../proxy/model/plan.ts";

const tls: HealthCheckSettings = { kind: "tls", intervalMs: 1_000, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 3 };
const tcp: HealthCheckSettings = { ...tls, kind: "tcp", intervalMs: 2_000 };
const e1 = { host: "10.0.0.1", port: 5432 };
const e2 = { host: "10.0.0.2", port: 5432 };

function route(id: string, healthCheck: HealthCheckSettings | undefined, endpoints: readonly (typeof e1)[][]): PlannedRoute {
  return {
    id,
    backends: [...endpoints.map((list, i) => ({ name: `Service default/${id}-${i}:5432`, weight: 1, endpoints: list })), { name: "Service default/gone:1", weight: 1, invalidReason: "no such Service" }],
    settings: { fallback: false, ...(healthCheck === undefined ? {} : { healthCheck }) },
  };
}

function port(number: number, hosts: readonly (readonly [string, PlannedRoute])[]): PlannedPort {
  return { address: "0.0.0.0", port: number, listeners: [], hosts: hosts.map(([hostname, r]) => ({ hostname, route: r })) };
}

describe("probeServerName", () => {
  test("an exact hostname first, else a wildcard made concrete, else none", () => {
    expect(probeServerName(["*.example.com", "db.example.com"])).toBe("db.example.com");
    expect(probeServerName(["*.example.com"])).toBe("courier-health-check.example.com");
    expect(probeServerName(["*"])).toBeUndefined();
  });
});

describe("healthCheckTargets", () => {
  test("routes without checks give none; invalid backends are skipped", () => {
    expect(healthCheckTargets([port(443, [["a.example.com", route("default/a", undefined, [[e1]])]])])).toEqual([]);
    expect(healthCheckTargets([port(443, [["a.example.com", route("default/a", tls, [[]])]])])).toEqual([]);
  });

  test("every endpoint of every backend, with the route's SNI and settings", () => {
    const a = route("default/a", tls, [[e1], [e2]]);
    expect(healthCheckTargets([port(443, [["*.example.com", a], ["a.example.com", a]])])).toEqual([
      { key: "10.0.0.1:5432|tls|a.example.com", endpointKey: "10.0.0.1:5432", endpoint: e1, sni: "a.example.com", settings: tls },
      { key: "10.0.0.2:5432|tls|a.example.com", endpointKey: "10.0.0.2:5432", endpoint: e2, sni: "a.example.com", settings: tls },
    ]);
  });

  test("deduplicated per (endpoint, kind, SNI): a route on two sockets, the first route's settings win", () => {
    const a = route("default/a", tls, [[e1]]);
    const sameSni = route("default/a2", { ...tls, intervalMs: 9_000 }, [[e1]]);
    const targets = healthCheckTargets([port(443, [["a.example.com", a]]), port(8443, [["a.example.com", a], ["a.example.com", sameSni]])]);
    expect(targets.map((t) => [t.key, t.settings.intervalMs])).toEqual([["10.0.0.1:5432|tls|a.example.com", 1_000]]);
  });

  test("other SNIs and kinds on the same endpoint are targets of their own; TCP checks send no SNI", () => {
    const targets = healthCheckTargets([port(443, [["a.example.com", route("default/a", tls, [[e1]])], ["b.example.com", route("default/b", tls, [[e1]])], ["c.example.com", route("default/c", tcp, [[e1]])]])]);
    expect(targets.map((t) => [t.key, t.sni])).toEqual([
      ["10.0.0.1:5432|tls|a.example.com", "a.example.com"],
      ["10.0.0.1:5432|tls|b.example.com", "b.example.com"],
      ["10.0.0.1:5432|tcp|", undefined],
    ]);
  });
});
