// translate(): table-driven cases, Envoy Gateway style: input objects -> expected
// Plan fragments (ports/hosts/backends and status conditions).
import { describe, expect, test } from "bun:test";
import { normalizeObjects } from "../../proxy/normalize.ts";
import type { Plan } from "../../proxy/plan.ts";
import { translate, type TranslateOptions } from "../../proxy/translate.ts";
import { conditionSummary, courierClass, manifestObjects } from "./translateFixtures.ts";

function planOf(yaml: string, options: TranslateOptions = {}): Plan {
  const { snapshot, errors } = normalizeObjects([courierClass, ...manifestObjects(yaml, "case.yaml")]);
  expect(errors).toEqual([]);
  return translate(snapshot, options);
}

/** Plan.ports as "address:port hostname -> route [backend(weight)=endpoints|invalid]". */
function portLines(plan: Plan): string[] {
  return plan.ports.flatMap((port) =>
    port.hosts.length === 0
      ? [`${port.address}:${port.port} (no hosts)`]
      : port.hosts.map(
          (host) =>
            `${port.address}:${port.port} ${host.hostname} -> ${host.route.id} [${host.route.backends
              .map((backend) => `${backend.name}(${backend.weight})=${backend.endpoints === undefined ? `invalid` : backend.endpoints.map((e) => `${e.host}:${e.port}`).join(",")}`)
              .join(" ")}]`,
        ),
  );
}

function routeConditions(plan: Plan, name: string): Record<string, string>[] {
  return (plan.routes.find((route) => route.key.name === name)?.parents ?? []).map((parent) => conditionSummary(parent.conditions));
}

const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps, generation: 2}
spec:
  gatewayClassName: courier
  listeners:
  - {name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: apps}
spec: {ports: [{name: pg, port: 5432, targetPort: 15432}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-1, namespace: apps, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
ports: [{name: pg, port: 15432}]
endpoints:
- {addresses: [10.0.0.2], conditions: {ready: true}}
- {addresses: [10.0.0.1]}
- {addresses: [10.0.0.3], conditions: {ready: false, serving: true, terminating: true}}
`;

function route(name: string, hostnames: string[], extra = "", backend = "{name: db, port: 5432}"): string {
  return `
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: ${name}, namespace: apps, generation: 5${extra}}
spec:
  parentRefs: [{name: gw}]
  hostnames: [${hostnames.map((hostname) => JSON.stringify(hostname)).join(", ")}]
  rules: [{backendRefs: [${backend}]}]
`;
}

describe("translate: ports, hosts, backends", () => {
  test("a route programs its hostnames on the listener's port with ready endpoints by port name", () => {
    const plan = planOf(GATEWAY + route("db", ["db.example.com"]));
    expect(portLines(plan)).toEqual(["0.0.0.0:443 db.example.com -> apps/db [Service apps/db:5432(1)=10.0.0.1:15432,10.0.0.2:15432]"]);
    expect(routeConditions(plan, "db")).toEqual([{ Accepted: "True/Accepted", ResolvedRefs: "True/ResolvedRefs" }]);
    expect(plan.routes[0]?.parents[0]?.conditions.every((c) => c.observedGeneration === 5)).toBe(true);
  });

  test("portOffset and addressFor decide the socket; status keeps the spec port", () => {
    const plan = planOf(GATEWAY + route("db", ["db.example.com"]), { portOffset: 8000, addressFor: () => "127.0.0.1" });
    expect(plan.ports.map((port) => `${port.address}:${port.port}`)).toEqual(["127.0.0.1:8443"]);
    expect(plan.gateways[0]?.addresses).toEqual([{ type: "IPAddress", value: "127.0.0.1" }]);
  });
});
