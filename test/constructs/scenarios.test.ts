// Properties of dist/ as a whole that the proxy's file mode and the demo rely on: it
// loads every file into one process, merging Gateways that share a port.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { Manifest } from "./helpers.ts";

const dist = join(import.meta.dir, "..", "..", "dist");
const files = readdirSync(dist).filter((f) => f.endsWith(".k8s.yaml")).sort();
const byFile = new Map(files.map((f) => [f, parseAllDocuments(readFileSync(join(dist, f), "utf8")).map((d) => d.toJS() as Manifest)]));
const all = [...byFile.values()].flat();
type RouteSpec = { hostnames?: string[]; parentRefs: { name: string; namespace?: string; sectionName?: string; port?: number }[]; rules: { backendRefs: BackendRef[] }[] };
type BackendRef = { group?: string; kind?: string; name: string; namespace?: string; port?: number; weight?: number };
type Listener = { name: string; port: number; hostname?: string; protocol: string; tls: { mode: string } };

/** The listener ports a route's parentRefs select (sectionName and port as given). */
function routePorts(route: Manifest): number[] {
  const ports = new Set<number>();
  for (const parent of (route.spec as RouteSpec).parentRefs) {
    const gateway = all.find((o) => o.kind === "Gateway" && o.metadata.name === parent.name && o.metadata.namespace === (parent.namespace ?? route.metadata.namespace));
    for (const listener of (gateway?.spec as { listeners: Listener[] } | undefined)?.listeners ?? []) {
      if ((parent.sectionName === undefined || parent.sectionName === listener.name) && (parent.port === undefined || parent.port === listener.port)) ports.add(listener.port);
    }
  }
  return [...ports];
}

const routesOf = (file: string): Manifest[] => (byFile.get(file) ?? []).filter((o) => o.kind === "TLSRoute");

describe("dist/ as one configuration", () => {
  test("no hostname appears in two routes on the same port (one SNI table per port)", () => {
    const claims = all.filter((o) => o.kind === "TLSRoute").flatMap((route) => routePorts(route).flatMap((port) => ((route.spec as RouteSpec).hostnames ?? []).map((h) => `${port} ${h}`)));
    expect(claims.length).toBeGreaterThan(10);
    expect(new Set(claims).size).toBe(claims.length);
  });

  test("the demo's hostnames are where it expects them", () => {
    const hosts = (file: string): string[] => routesOf(file).flatMap((o) => (o.spec as RouteSpec).hostnames ?? []);
    expect(hosts("basic.k8s.yaml")).toEqual(["secure.example.com"]);
    expect(hosts("multi-hostname.k8s.yaml").sort()).toEqual(["*.internal.example.com", "api.example.com", "db.example.com"]);
    expect(hosts("postgres.k8s.yaml")).toEqual(["postgres.database.svc.cluster.local"]);
    expect(hosts("redis.k8s.yaml")).toEqual(["redis.cache.svc.cluster.local"]);
  });

  test("one GatewayClass, courier, in the proxy's file; every Gateway names it", () => {
    const classes = all.filter((o) => o.kind === "GatewayClass");
    expect(classes.map((c) => c.metadata.name)).toEqual(["courier"]);
    expect((byFile.get("courier-proxy.k8s.yaml") ?? []).some((o) => o.kind === "GatewayClass")).toBe(true);
    const gateways = all.filter((o) => o.kind === "Gateway");
    expect(gateways.length).toBe(9);
    for (const gw of gateways) expect((gw.spec as { gatewayClassName: string }).gatewayClassName).toBe("courier");
  });

  test("every route's parent Gateway is in dist/", () => {
    const gateways = new Set(all.filter((o) => o.kind === "Gateway").map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
    for (const route of all.filter((o) => o.kind === "TLSRoute")) {
      for (const parent of (route.spec as RouteSpec).parentRefs) expect(gateways.has(`${parent.namespace ?? route.metadata.namespace}/${parent.name}`)).toBe(true);
    }
  });

  test("every namespace used is created exactly once (default aside)", () => {
    const created = all.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name);
    expect(new Set(created).size).toBe(created.length);
    const used = new Set(all.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined && n !== "default"));
    expect([...used].sort()).toEqual([...new Set(created)].sort());
  });

  test("every listener is TLS passthrough and its port is exposed by the proxy's Service", () => {
    const service = (byFile.get("courier-proxy.k8s.yaml") ?? []).find((o) => o.kind === "Service");
    const exposed = new Set(((service?.spec as { ports: { port: number }[] }).ports ?? []).map((p) => p.port));
    for (const gw of all.filter((o) => o.kind === "Gateway")) {
      for (const listener of (gw.spec as { listeners: Listener[] }).listeners) {
        expect(listener.protocol).toBe("TLS");
        expect(listener.tls.mode).toBe("Passthrough");
        expect(exposed.has(listener.port)).toBe(true);
      }
    }
  });

  test("the custom-protocol route attaches by port, without sectionName", () => {
    const route = (byFile.get("custom-protocol.k8s.yaml") ?? []).find((o) => o.kind === "TLSRoute");
    expect((route?.spec as RouteSpec).parentRefs).toEqual([{ name: "custom", port: 8443 }]);
  });
});

// The seed's examples, as far as they name things: each chart keeps the seed's names,
// hostnames, ports and weights (a deliberate difference is explained in its synth file).
describe("dist/ mirrors the seed's scenarios", () => {
  /** "hostname -> [kind/]name:port[@weight]" for every backend of every route of a file. */
  const routing = (file: string): string[] =>
    routesOf(file).flatMap((route) => {
      const spec = route.spec as RouteSpec;
      return (spec.hostnames ?? []).flatMap((h) => spec.rules.flatMap((rule) => rule.backendRefs.map((b) => `${h} -> ${b.kind === undefined || b.kind === "Service" ? "" : `${b.kind}/`}${b.name}:${b.port}${b.weight === undefined ? "" : `@${b.weight}`}`)));
    });
  const gatewaysOf = (file: string): Manifest[] => (byFile.get(file) ?? []).filter((o) => o.kind === "Gateway");

  test("basic: Gateway tls-gateway, one TLS Passthrough listener on 443, secure.example.com -> secure-service:443", () => {
    const [gateway, ...others] = gatewaysOf("basic.k8s.yaml");
    expect(others).toEqual([]);
    expect(gateway!.metadata.name).toBe("tls-gateway");
    const listeners = (gateway!.spec as { listeners: Listener[] }).listeners;
    expect(listeners.map((l) => [l.port, l.protocol, l.tls.mode])).toEqual([[443, "TLS", "Passthrough"]]);
    expect(routesOf("basic.k8s.yaml").map((r) => (r.spec as RouteSpec).parentRefs)).toEqual([[{ name: "tls-gateway" }]]);
    expect(routing("basic.k8s.yaml")).toEqual(["secure.example.com -> secure-service:443"]);
  });

  test("multi-hostname: api.example.com and db.example.com -> database-service:5432, one TLSRoute per hostname group", () => {
    const routes = routesOf("multi-hostname.k8s.yaml");
    for (const route of routes) expect((route.spec as RouteSpec).rules.length).toBe(1);
    expect(routing("multi-hostname.k8s.yaml").sort()).toEqual(["*.internal.example.com -> internal-service:443", "api.example.com -> api-service:443", "db.example.com -> database-service:5432"]);
    expect(routes.map((r) => r.metadata.name).sort()).toEqual(["multi-api", "multi-db", "multi-internal"]);
  });

  test("custom-protocol: custom.example.com on 8443", () => {
    expect(routing("custom-protocol.k8s.yaml")).toEqual(["custom.example.com -> custom-service:8443"]);
    expect(routePorts(routesOf("custom-protocol.k8s.yaml")[0]!)).toEqual([8443]);
  });

  test("fallback: app.example.com, the fallback backend at weight 0 with the opt-in annotation", () => {
    expect(routing("fallback.k8s.yaml")).toEqual(["app.example.com -> app-service:443", "app.example.com -> maintenance-service:443@0"]);
    expect(routesOf("fallback.k8s.yaml")[0]!.metadata.annotations).toEqual({ "courier.dev/fallback": "true" });
  });

  test("multi-cluster: app.example.com split 50/50 between a local Service and a ServiceImport", () => {
    expect(routing("multi-cluster.k8s.yaml")).toEqual(["app.example.com -> app-service:443@50", "app.example.com -> ServiceImport/app-service:443@50"]);
    const imported = (routesOf("multi-cluster.k8s.yaml")[0]!.spec as RouteSpec).rules[0]!.backendRefs[1]!;
    expect(imported.group).toBe("multicluster.x-k8s.io");
    // 443 carries the fallback scenario's app.example.com (see synth/charts/multiCluster.ts).
    expect(routePorts(routesOf("multi-cluster.k8s.yaml")[0]!)).toEqual([9443]);
  });

  test("canary: 90/10", () => {
    expect(routing("canary.k8s.yaml")).toEqual(["shop.example.com -> shop-stable:443@90", "shop.example.com -> shop-canary:443@10"]);
  });
});
