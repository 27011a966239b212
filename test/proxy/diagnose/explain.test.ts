// explainConnection() on a fixture world (fixtures/explain/world.yaml, loaded as file
// mode loads it): a table of SNIs, each with the route the data plane would pick and
// why every other candidate lost. The winner must always be what the Plan's own route
// table gives.
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { buildRouteTable, lookupRoute } from "../../../proxy/dataplane/routeTable.ts";
import { explainConnection, type Explanation } from "../../../proxy/diagnose/explain.ts";
import { formatExplanation } from "../../../proxy/diagnose/report.ts";
import type { Plan } from "../../../proxy/model/plan.ts";
import type { Snapshot } from "../../../proxy/model/snapshot.ts";
import { loadFileSnapshot } from "../../../proxy/sources/file/fileSource.ts";
import { translate } from "../../../proxy/translate/translate.ts";

const fixtures = join(import.meta.dir, "fixtures");
let snapshot: Snapshot;
let plan: Plan;

beforeAll(async () => {
  const loaded = await loadFileSnapshot({ manifests: join(fixtures, "explain"), endpoints: join(fixtures, "explainEndpoints.yaml") });
  expect(loaded.errors).toEqual([]);
  snapshot = loaded.snapshot;
  plan = translate(snapshot);
});

function explain(sni: string, port?: number): Explanation {
  const explanation = explainConnection(snapshot, plan, { sni, ...(port === undefined ? {} : { port }) });
  // The explanation never disagrees with the table the data plane serves.
  for (const socket of explanation.sockets) {
    const planned = plan.ports.find((p) => p.address === socket.address && p.port === socket.port)!;
    expect(socket.route).toBe(lookupRoute(buildRouteTable(planned.hosts), sni.toLowerCase().replace(/\.$/, ""))?.id);
  }
  return explanation;
}

const on443 = (e: Explanation) => e.sockets.find((s) => s.port === 443)!;

describe("courier explain", () => {
  test("hostname precedence: the exact name beats the wildcard; the older route beats the younger; the more specific listener beats an older route", () => {
    const e = explain("Shop.Apps.Example.com.", 443);
    expect(e.sni).toBe("shop.apps.example.com");
    const socket = on443(e);
    expect(socket).toMatchObject({ route: "infra/shop", hostname: "shop.apps.example.com" });
    const lost = Object.fromEntries(socket.candidates.filter((c) => c.lostBecause !== undefined).map((c) => [c.route, c.lostBecause]));
    expect(lost).toEqual({
      "infra/shop-copy": "route infra/shop takes shop.apps.example.com: it is older (created 2025-01-01T00:00:00Z, this one 2025-06-01T00:00:00Z)",
      "team/legacy-shop": "route infra/shop takes shop.apps.example.com: its listener's hostname *.apps.example.com is more specific than *",
      "infra/apps": "shop.apps.example.com matches the SNI more specifically than *.apps.example.com",
    });
    expect(e.routed).toBe(true);
  });

  test("weights: shares of the weighted backends; weight 0 never takes a connection", () => {
    const backends = on443(explain("shop.apps.example.com", 443)).backends;
    expect(backends.map((b) => [b.name, b.share, b.verdict])).toEqual([
      ["Service infra/shop-v1:443", 0.75, "takes 75% of connections"],
      ["Service infra/shop-v2:443", 0.25, "takes 25% of connections"],
      ["Service infra/shop-dark:443", undefined, "never receives connections (weight 0, no courier.dev/fallback annotation)"],
    ]);
    expect(backends[0]!.endpoints).toEqual(["10.0.0.1:8443"]);
    const dark = on443(explain("dark.example.com", 443));
    expect(dark).toMatchObject({ route: "infra/dark", refused: "no-weighted-backend: every backendRef has weight 0" });
  });

  test("allowedRoutes: a route from another namespace on a Same-only listener did not attach", () => {
    const e = explain("shop.apps.example.com", 443);
    expect(e.routeMisses).toContainEqual({
      route: "team/team-shop",
      parent: "Gateway infra/edge section apps",
      reason: "NotAllowedByListeners",
      message: "listener apps does not allow routes from namespace team (from: Same)",
    });
  });

  test("ReferenceGrant: a cross-namespace backend without one is invalid and its share refused", () => {
    const socket = on443(explain("reports.example.com", 443));
    expect(socket.route).toBe("team/reports");
    expect(socket.backends[0]!.verdict).toBe(
      "invalid (Service infra/reports:443: no ReferenceGrant in namespace infra allows TLSRoute references from namespace team): its 100% of connections is refused",
    );
    expect(socket.refused).toBe("invalid-backend: every weighted backendRef is invalid");
  });

  test("no ready endpoint: that backend's share goes to the others", () => {
    const socket = on443(explain("pay.example.com", 443));
    expect(socket.refused).toBeUndefined();
    expect(socket.backends.map((b) => b.verdict)).toEqual(["no ready endpoint: its share goes to the other backends", "takes 100% of connections"]);
  });

  test("routes that never attach: a sectionName the Gateway lacks, a Gateway that is not Courier's", () => {
    const e = explain("typo.example.com", 443);
    expect(on443(e)).toMatchObject({ refused: "unknown-sni: no hostname on this listener matches", candidates: [] });
    expect(e.routeMisses).toEqual([
      { route: "infra/elsewhere", parent: "Gateway infra/foreign", reason: "NotCouriers", message: "GatewayClass other is not Courier's" },
      { route: "infra/typo", parent: "Gateway infra/edge section tsl", reason: "NoMatchingParent", message: "Gateway infra/edge has no listener named tsl" },
    ]);
    expect(e.routed).toBe(false);
  });

  test("ports: --port picks the socket; without it every socket is shown; a route on another port says so", () => {
    expect(explain("db.example.com", 5432).sockets.map((s) => [s.port, s.route])).toEqual([[5432, "infra/postgres"]]);
    expect(explain("db.example.com").sockets.map((s) => [s.port, s.route])).toEqual([[443, undefined], [5432, "infra/postgres"]]);
    expect(explain("db.example.com", 443).routeMisses).toEqual([{ route: "infra/postgres", parent: "Gateway infra/db", reason: "OtherPort", message: "accepted on port 5432, not on the port asked about" }]);
    expect(explain("db.example.com", 8443).sockets).toEqual([]);
  });

  test("the report a person reads", () => {
    const lines = formatExplanation(explain("shop.apps.example.com", 443));
    expect(lines[0]).toBe("SNI shop.apps.example.com on port 443");
    expect(lines).toContain("  route TLSRoute infra/shop via hostname shop.apps.example.com (Gateway infra/edge listener apps)");
    expect(lines).toContain("    backend Service infra/shop-v1:443 weight 3: takes 75% of connections -> 10.0.0.1:8443");
    expect(lines.at(-1)).toBe("result: forwarded by TLSRoute infra/shop on 0.0.0.0:443");
  });
});
