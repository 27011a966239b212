import { describe, expect, test } from "bun:test";
import type { PlannedHost, PlannedRoute } from "../../../proxy/model/plan.ts";
import { buildRouteTable, lookupRoute } from "../../../proxy/dataplane/routeTable.ts";

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
