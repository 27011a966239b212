// Every Gateway API and MCS object in dist/ (and from every option of the constructs)
// must pass the CRD's OpenAPI schema, as the API server would check it.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { AllowedRoutes, Backend, BackendKind, BackendReferenceGrant, PassthroughGateway, PassthroughRoute, ReferenceGrantApiVersion, TlsRouteApiVersion } from "../../src/index.ts";
import { CrdValidator } from "./crdSchemas.ts";
import { synth, type Manifest } from "./helpers.ts";

const validator = new CrdValidator();
const distDir = join(import.meta.dir, "..", "..", "dist");
const CRD_GROUPS = ["gateway.networking.k8s.io/", "multicluster.x-k8s.io/"];

function distObjects(): { file: string; object: Manifest }[] {
  return readdirSync(distDir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((file) => parseAllDocuments(readFileSync(join(distDir, file), "utf8")).map((d) => ({ file, object: d.toJS() as Manifest })));
}

describe("CRD schema validation", () => {
  test("the validator catches a non-conforming object", () => {
    const bad = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "bad" },
      spec: { gatewayClassName: "courier", listeners: [{ name: "x", port: 443, protocol: "TLS", tls: { mode: "Bogus" }, hostnme: "typo.example.com" }] },
    };
    const problems = validator.validate(bad);
    expect(problems.some((p) => p.includes("/spec/listeners/0/tls/mode must be equal to one of the allowed values"))).toBe(true);
    expect(problems).toContain("gateway.networking.k8s.io/v1 Gateway bad: /spec/listeners/0/hostnme is not in the schema (the API server would drop it)");
    const route = { apiVersion: "gateway.networking.k8s.io/v1", kind: "TLSRoute", metadata: { name: "r" }, spec: { hostnames: ["a.example.com"], rules: [{ backendRefs: [] }, { backendRefs: [{ name: "a", port: 1 }] }] } };
    const routeProblems = validator.validate(route).join("\n");
    expect(routeProblems).toContain("/spec/rules must NOT have more than 1 items");
    expect(routeProblems).toContain("/spec/rules/0/backendRefs must NOT have fewer than 1 items");
  });

  const objects = distObjects();
  test("dist/ has Gateway API objects to check", () => {
    expect(objects.filter((o) => CRD_GROUPS.some((g) => o.object.apiVersion.startsWith(g))).length).toBeGreaterThan(20);
  });

  test.each(objects.filter((o) => CRD_GROUPS.some((g) => o.object.apiVersion.startsWith(g))).map((o) => [o.file, o.object.kind, o.object.metadata.name, o.object] as const))(
    "%s: %s %s conforms to its CRD",
    (_file, _kind, _name, object) => {
      expect(validator.covers(object.apiVersion, object.kind)).toBe(true);
      expect(validator.validate(object)).toEqual([]);
    },
  );

  test("objects from every construct option conform (v1alpha2, selectors, grants, ServiceImport, ports)", () => {
    const built = synth((chart) => {
      const gw = new PassthroughGateway(chart, "gw", {
        listeners: [
          { port: 443, hostname: "*.example.com", allowedRoutes: AllowedRoutes.namespacesWithLabels({ team: "a" }) },
          { name: "db", port: 5432, allowedRoutes: AllowedRoutes.allNamespaces() },
        ],
      });
      new PassthroughRoute(chart, "old", { apiVersion: TlsRouteApiVersion.V1ALPHA2, gateway: gw, sectionName: "db", backends: [Backend.fromServiceName("db", { port: 5432 })] });
      new PassthroughRoute(chart, "new", {
        gateway: gw,
        port: 443,
        hostnames: ["a.example.com", "*.b.example.com"],
        idleTimeout: "2h",
        backends: [Backend.fromServiceName("a", { port: 443, weight: 1_000_000 }), Backend.fromServiceImportName("b", { port: 443, namespace: "other", weight: 0 })],
        fallbackBackends: [Backend.fromServiceName("c", { port: 443 })],
      });
      new BackendReferenceGrant(chart, "grant", { name: "g", namespace: "other", fromNamespaces: ["default"], targets: [{ kind: BackendKind.SERVICE_IMPORT }] });
      new BackendReferenceGrant(chart, "old-grant", { name: "g", namespace: "older", apiVersion: ReferenceGrantApiVersion.V1BETA1, fromNamespaces: ["default"], targets: [{ kind: BackendKind.SERVICE, name: "db" }] });
    });
    expect(built.map((o) => o.apiVersion)).toContain("gateway.networking.k8s.io/v1beta1");
    expect(built.flatMap((o) => validator.validate(o))).toEqual([]);
  });
});
