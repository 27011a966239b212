// A socket the data plane could not bind: its listeners, and their Gateways, are
// not Programmed until a later bind succeeds; other Gateways are untouched.
import { describe, expect, test } from "bun:test";
import { normalizeObjects } from "../../../proxy/sources/normalize/normalize.ts";
import { translate } from "../../../proxy/translate/translate.ts";
import { withSocketFailures } from "../../../proxy/translate/socketFailures.ts";
import { conditionSummary, courierClass, manifestObjects } from "./translateFixtures.ts";

const YAML = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: busy, namespace: apps, generation: 3}
spec:
  gatewayClassName: courier
  listeners:
  - {name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}}
  - {name: alt, protocol: TLS, port: 8443, tls: {mode: Passthrough}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: calm, namespace: apps, generation: 1}
spec:
  gatewayClassName: courier
  addresses: [{type: IPAddress, value: 127.0.0.9}]
  listeners:
  - {name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}}
`;

const { snapshot, errors } = normalizeObjects([courierClass, ...manifestObjects(YAML, "gateways.yaml")]);
const plan = translate(snapshot);

describe("socket failures in status", () => {
  test("every planned socket names the listeners it serves", () => {
    expect(errors).toEqual([]);
    expect(plan.ports.map((port) => [`${port.address}:${port.port}`, port.listeners])).toEqual([
      ["0.0.0.0:443", [{ gateway: "apps/busy", listener: "tls" }]],
      ["0.0.0.0:8443", [{ gateway: "apps/busy", listener: "alt" }]],
      ["127.0.0.9:443", [{ gateway: "apps/calm", listener: "tls" }]],
    ]);
  });

  test("no failure: the Plan is unchanged", () => {
    expect(withSocketFailures(plan, [])).toBe(plan);
  });

  test("an unbound socket: its listener and Gateway are Programmed=False/Pending, the rest keep their status", () => {
    const failed = withSocketFailures(plan, [{ address: "0.0.0.0", port: 8443, message: "EADDRINUSE" }]);
    const busy = failed.gateways.find((gateway) => gateway.key.name === "busy")!;
    expect(conditionSummary(busy.conditions).Programmed).toBe("False/Pending");
    expect(busy.conditions.find((c) => c.type === "Programmed")).toMatchObject({ observedGeneration: 3, message: expect.stringContaining("cannot listen on 0.0.0.0:8443: EADDRINUSE") });
    expect(conditionSummary(busy.conditions).Accepted).toBe("True/Accepted");
    const listeners = Object.fromEntries(busy.listeners.map((listener) => [listener.name, conditionSummary(listener.conditions).Programmed]));
    expect(listeners).toEqual({ tls: "True/Programmed", alt: "False/Pending" });
    const calm = failed.gateways.find((gateway) => gateway.key.name === "calm")!;
    expect(calm).toEqual(plan.gateways.find((gateway) => gateway.key.name === "calm")!);
    // The data plane's part of the Plan is not touched.
    expect(failed.ports).toBe(plan.ports);
  });
});
