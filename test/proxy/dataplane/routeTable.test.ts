import { describe, expect, test } from "bun:test";
import type { PlannedHost, PlannedRoute } from "../../../proxy/model/plan.ts";
import { buildRouteTable, lookupRoute } from "../../../proxy/dataplane/routeTable.ts";
import { patchPort, PortBuilder, preparePort } from "../../../proxy/dataplane/preparedPort.ts";
import { hostChanges } from "../../../proxy/dataplane/hostChanges.ts";

function route(id: string): PlannedRoute {
  return { id, backends: [], settings: { fallback: false } };
}
function hosts(...names: string[]): PlannedHost[] {
  return names.map((hostname) => ({ hostname, route: route(hostname) }));
}
const id = (table: ReturnType<typeof buildRouteTable>, sni: string): string | undefined => lookupRoute(table, sni)?.id;

describe("route table", () => {
  const table = buildRouteTable(hosts("db.example.com", "*.example.com", "*.internal.example.com", "*.com"));

  test("exact hostname wins over every wildcard", () => {
    expect(id(table, "db.example.com")).toBe("db.example.com");
  });

  test("the most specific wildcard wins", () => {
    expect(id(table, "x.internal.example.com")).toBe("*.internal.example.com");
    expect(id(table, "a.b.internal.example.com")).toBe("*.internal.example.com");
    expect(id(table, "web.example.com")).toBe("*.example.com");
  });

  test("a wildcard covers one or more labels but never its bare parent", () => {
    expect(id(table, "a.b.com")).toBe("*.com");
    expect(id(table, "internal.example.com")).toBe("*.example.com");
    expect(id(table, "example.com")).toBe("*.com");
    expect(id(table, "com")).toBeUndefined();
    expect(id(buildRouteTable(hosts("*.example.com")), "example.com")).toBeUndefined();
  });

  test("a catch-all takes what nothing else matches", () => {
    const withAny = buildRouteTable(hosts("a.example.com", "*"));
    expect(id(withAny, "a.example.com")).toBe("a.example.com");
    expect(id(withAny, "other.org")).toBe("*");
  });

  test("the first entry for a hostname wins (translate has ordered them)", () => {
    const dup = buildRouteTable([
      { hostname: "a.example.com", route: route("first") },
      { hostname: "a.example.com", route: route("second") },
    ]);
    expect(id(dup, "a.example.com")).toBe("first");
  });

  test("lookup cost does not depend on the number of routes", () => {
    const many = buildRouteTable(hosts(...Array.from({ length: 100_000 }, (_, i) => `h${i}.example.com`), "*.wild.example.com"));
    expect(many.exact.size).toBe(100_000);
    expect(id(many, "h99999.example.com")).toBe("h99999.example.com");
    expect(id(many, "x.wild.example.com")).toBe("*.wild.example.com");
  });
});

describe("a port prepared from parts (a large Plan reaches a worker in pieces)", () => {
  test("the same table and routes as prepared whole, whatever the cut", () => {
    const routes = Array.from({ length: 7 }, (_, i) => ({ id: `r${i}`, backends: [], settings: { fallback: false } }));
    const hosts = Array.from({ length: 2_500 }, (_, i) => ({ hostname: i % 10 === 0 ? `*.w${i}.example.com` : `h${i}.example.com`, route: routes[i % 7]! }));
    hosts.push({ hostname: "*", route: routes[3]! }, { hostname: "h1.example.com", route: routes[6]! });
    const shape = { address: "0.0.0.0", port: 443, listeners: [] };
    const whole = preparePort({ ...shape, hosts });
    for (const part of [1, 999, 1_000, 2_501]) {
      const builder = new PortBuilder();
      for (let start = 0; start < hosts.length; start += part) builder.add(hosts.slice(start, start + part));
      const parts = builder.finish(shape);
      expect(parts.shape).toEqual(whole.shape);
      expect(parts.routes).toEqual(whole.routes);
      expect([...parts.table.exact]).toEqual([...whole.table.exact]);
      expect([...parts.table.wildcard]).toEqual([...whole.table.wildcard]);
      expect(parts.table.any).toBe(routes[3]);
      // The first of a duplicate hostname wins, in parts too.
      expect(lookupRoute(parts.table, "h1.example.com")).toBe(routes[1]);
    }
    expect(whole.routes.map((r) => r.id)).toEqual(["r0", "r1", "r2", "r3", "r4", "r5", "r6"]);
  });
});

describe("a port patched with what changed (a route change at thousands of hostnames)", () => {
  test("the same table as one built from the new hosts; the old table is left as it was", () => {
    const routes = Array.from({ length: 5 }, (_, i) => ({ id: `r${i}`, backends: [], settings: { fallback: false } }));
    const before = Array.from({ length: 3_000 }, (_, i) => ({ hostname: i % 7 === 0 ? `*.w${i}.example.com` : `h${i}.example.com`, route: routes[i % 4]! }));
    before.push({ hostname: "*", route: routes[0]! });
    // r1 changes (a new object), h10 moves to r4, h6 and "*" go, two names come.
    const changed = { ...routes[1]!, settings: { fallback: true } };
    const after = before
      .filter((h) => h.hostname !== "h6.example.com" && h.hostname !== "*")
      .map((h) => (h.route === routes[1] ? { ...h, route: changed } : h.hostname === "h10.example.com" ? { ...h, route: routes[4]! } : h));
    after.push({ hostname: "new.example.com", route: routes[2]! }, { hostname: "*.new.example.com", route: changed });
    const changes = hostChanges(before, after);
    expect([...changes.remove].sort()).toEqual(["*", "h6.example.com"]);
    expect(changes.set.length).toBe(after.filter((h) => h.route === changed).length + 2);
    const shape = { address: "0.0.0.0", port: 443, listeners: [] };
    const old = preparePort({ ...shape, hosts: before });
    const oldExact = [...old.table.exact];
    const patched = patchPort(old, shape, changes);
    const built = preparePort({ ...shape, hosts: after });
    expect(new Map(patched.table.exact)).toEqual(new Map(built.table.exact));
    expect(new Map(patched.table.wildcard)).toEqual(new Map(built.table.wildcard));
    expect(patched.table.any).toBeUndefined();
    expect(new Set(patched.routes)).toEqual(new Set(built.routes));
    expect([...old.table.exact]).toEqual(oldExact);
    expect(old.table.any).toBe(routes[0]);
  });

  test("nothing changed: nothing to send", () => {
    const route = { id: "r", backends: [], settings: { fallback: false } };
    const hosts = [{ hostname: "a.example.com", route }];
    expect(hostChanges(hosts, [...hosts])).toEqual({ set: [], remove: [] });
  });
});
