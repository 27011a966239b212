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
type RouteSpec = { hostnames?: string[]; parentRefs: { name: string; namespace?: string; sectionName?: string; port?: number }[] };

describe("dist/ as one configuration", () => {
  test("no hostname appears in two routes", () => {
    const hostnames = all.filter((o) => o.kind === "TLSRoute").flatMap((o) => (o.spec as RouteSpec).hostnames ?? []);
    expect(hostnames.length).toBeGreaterThan(9);
    expect(new Set(hostnames).size).toBe(hostnames.length);
  });

  test("the demo's hostnames are where it expects them", () => {
    const hosts = (file: string): string[] => (byFile.get(file) ?? []).filter((o) => o.kind === "TLSRoute").flatMap((o) => (o.spec as RouteSpec).hostnames ?? []);
    expect(hosts("basic.k8s.yaml")).toEqual(["secure.example.com"]);
    expect(hosts("multi-hostname.k8s.yaml").sort()).toEqual(["*.internal.example.com", "api.example.com"]);
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
      for (const listener of (gw.spec as { listeners: { port: number; protocol: string; tls: { mode: string } }[] }).listeners) {
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
