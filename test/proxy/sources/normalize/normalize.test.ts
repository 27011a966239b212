// normalizeObjects: raw objects -> Snapshot + errors naming object, source and field.
import { describe, expect, test } from "bun:test";
import { parseAllDocuments } from "yaml";
import { assembleSnapshot, formatObjectError, normalizeObject, normalizeObjects, normalizedKey, type NormalizedObject } from "../../../../proxy/sources/normalize/normalize.ts";

function fromYaml(text: string, source = "test.yaml") {
  return parseAllDocuments(text).map((document, index) => ({ object: document.toJS() as unknown, source: `${source}#${index}` }));
}

describe("normalizeObjects", () => {
  test("v1 and v1alpha2 TLSRoutes land in one shape; unknown kinds are ignored", () => {
    const { snapshot, errors } = normalizeObjects(
      fromYaml(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: x, namespace: a}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio, namespace: a}
spec: {}
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: v1, namespace: a, generation: 3, creationTimestamp: "2026-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
  hostnames: [db.example.com]
  rules: [{backendRefs: [{name: db, port: 5432}]}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: old, namespace: a}
spec:
  parentRefs: [{name: gw, sectionName: tls}]
  rules:
  - backendRefs: [{name: db, port: 5432, weight: 0}]
  - backendRefs: [{group: multicluster.x-k8s.io, kind: ServiceImport, name: db, port: 5432}]
`),
    );
    expect(errors).toEqual([]);
    expect(snapshot.gateways).toEqual([]);
    expect(snapshot.tlsRoutes.map((route) => route.meta.name)).toEqual(["old", "v1"]);
    const [old, v1] = snapshot.tlsRoutes;
    expect(v1?.meta.generation).toBe(3);
    expect(v1?.apiVersion).toBe("gateway.networking.k8s.io/v1");
    expect(v1?.parentRefs).toEqual([{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw", namespace: undefined, sectionName: undefined, port: undefined }]);
    expect(v1?.rules[0]?.backendRefs[0]).toEqual({ group: "", kind: "Service", name: "db", namespace: undefined, port: 5432, weight: 1 });
    expect(old?.hostnames).toEqual([]);
    expect(old?.rules.length).toBe(2);
    expect(old?.rules[0]?.backendRefs[0]?.weight).toBe(0);
  });

  test("CRD defaults: allowedRoutes from Same, tls mode Terminate, address type IPAddress", () => {
    const { snapshot } = normalizeObjects(
      fromYaml(`
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: a}
spec:
  gatewayClassName: courier
  addresses: [{value: 127.0.0.2}]
  listeners:
  - {name: a, protocol: TLS, port: 443, tls: {certificateRefs: [{name: c}]}}
  - {name: b, protocol: TLS, port: 443, hostname: "*.example.com", tls: {mode: Passthrough}, allowedRoutes: {kinds: [{kind: TLSRoute}]}}
`),
    );
    const gateway = snapshot.gateways[0];
    expect(gateway?.addresses).toEqual([{ type: "IPAddress", value: "127.0.0.2" }]);
    expect(gateway?.listeners[0]?.tlsMode).toBe("Terminate");
    expect(gateway?.listeners[0]?.allowedRoutes.from).toBe("Same");
    expect(gateway?.listeners[1]?.allowedRoutes.kinds).toEqual([{ group: "gateway.networking.k8s.io", kind: "TLSRoute" }]);
  });

  test("invalid objects are left out, each error naming object, source and field", () => {
    const { snapshot, errors } = normalizeObjects(
      fromYaml(`
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bad-port, namespace: a}
spec:
  gatewayClassName: courier
  listeners: [{name: x, protocol: TLS, port: 70000, tls: {mode: Passthrough}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: no-hostnames, namespace: a}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: db, port: 1}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: two-rules, namespace: a}
spec:
  hostnames: [a.example.com]
  rules: [{backendRefs: [{name: db, port: 1}]}, {backendRefs: [{name: db, port: 2}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: upper, namespace: a}
spec:
  hostnames: [A.example.com]
  rules: [{backendRefs: [{name: db, port: 1}]}]
---
apiVersion: v1
kind: Service
metadata: {name: no-ns}
spec: {ports: [{port: 1}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: s, namespace: a}
addressType: IPv4
endpoints: [{addresses: [10.0.0.1], conditions: {ready: "yes"}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: svc-no-port, namespace: a}
spec:
  hostnames: [a.example.com]
  rules: [{backendRefs: [{name: db}]}]
`, "dist/app.yaml"),
    );
    expect(snapshot.gateways).toEqual([]);
    expect(snapshot.tlsRoutes).toEqual([]);
    expect(snapshot.services).toEqual([]);
    expect(snapshot.endpointSlices).toEqual([]);
    expect(errors.map(formatObjectError)).toEqual([
      "Gateway a/bad-port (dist/app.yaml#0): spec.listeners[0].port: must be between 1 and 65535, got 70000",
      "TLSRoute a/no-hostnames (dist/app.yaml#1): spec.hostnames: TLSRoute v1 requires at least one hostname",
      "TLSRoute a/two-rules (dist/app.yaml#2): spec.rules: TLSRoute v1 takes exactly one rule, got 2",
      'TLSRoute a/upper (dist/app.yaml#3): spec.hostnames[0]: "A.example.com" has uppercase letters',
      "Service no-ns (dist/app.yaml#4): metadata.namespace: is required for this kind",
      'EndpointSlice a/s (dist/app.yaml#5): endpoints[0].conditions.ready: must be true or false, got "yes"',
      "TLSRoute a/svc-no-port (dist/app.yaml#6): spec.rules[0].backendRefs[0].port: is required for a Service backendRef",
    ]);
  });

  test("EndpointSlice labels select Service or ServiceImport; List objects are expanded", () => {
    const { snapshot, errors } = normalizeObjects([
      {
        object: {
          apiVersion: "v1",
          kind: "List",
          items: [
            {
              apiVersion: "discovery.k8s.io/v1",
              kind: "EndpointSlice",
              metadata: { name: "db-1", namespace: "a", labels: { "kubernetes.io/service-name": "db" } },
              addressType: "IPv4",
              ports: [{ name: "pg", port: 5432 }],
              endpoints: [{ addresses: ["10.0.0.1"], conditions: { ready: true } }],
            },
            {
              apiVersion: "discovery.k8s.io/v1",
              kind: "EndpointSlice",
              metadata: { name: "db-import", namespace: "a", labels: { "multicluster.kubernetes.io/service-name": "db" } },
              addressType: "IPv4",
              endpoints: [{ addresses: ["10.1.0.1"] }],
            },
          ],
        },
      },
    ]);
    expect(errors).toEqual([]);
    expect(snapshot.endpointSlices.map((slice) => [slice.meta.name, slice.serviceName, slice.serviceImportName])).toEqual([
      ["db-1", "db", undefined],
      ["db-import", undefined, "db"],
    ]);
  });

  test("normalizeObject: one object at a time, for the watch side", () => {
    expect(normalizeObject({ apiVersion: "apps/v1", kind: "Deployment" }).status).toBe("ignored");
    const result = normalizeObject({ apiVersion: "v1", kind: "Namespace", metadata: { name: "a", labels: { team: "db" } } });
    expect(result.status === "ok" && result.object.kind === "Namespace" ? result.object.value.meta.labels : undefined).toEqual({ team: "db" });
  });

  test("a duplicate object is reported and the later definition kept", () => {
    const namespace = (team: string) => ({ object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "a", labels: { team } } }, source: team });
    const { snapshot, errors } = normalizeObjects([namespace("one"), namespace("two")]);
    expect(snapshot.namespaces[0]?.meta.labels).toEqual({ team: "two" });
    expect(errors.map(formatObjectError)).toEqual(["Namespace a (one): defined again in two; the later definition is used"]);
  });

  test("assembleSnapshot: a watch cache keyed by normalizedKey gives the same Snapshot as a batch", () => {
    const raw = fromYaml(`
apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: b}
spec: {ports: [{port: 1}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: a}
`);
    const cache = new Map<string, NormalizedObject>();
    for (const { object } of raw.reverse()) {
      const result = normalizeObject(object);
      if (result.status === "ok") cache.set(normalizedKey(result.object), result.object);
    }
    expect([...cache.keys()].sort()).toEqual(["Namespace a", "Namespace b", "Service b/db"]);
    expect(assembleSnapshot(cache.values())).toEqual(normalizeObjects(raw).snapshot);
  });
});
