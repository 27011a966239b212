import { describe, expect, test } from "bun:test";
import { AllowedRoutes, PassthroughGateway, PassthroughGatewayClass } from "../../src/index.ts";
import { find, synth, synthErrors } from "./helpers.ts";

describe("PassthroughGateway output", () => {
  test("every listener is TLS with mode Passthrough, allowedRoutes explicit, class courier by default", () => {
    const objects = synth((chart) => {
      const gw = new PassthroughGateway(chart, "edge", { listeners: [{ port: 443, hostname: "*.example.com" }] });
      gw.addListener({ name: "db", port: 5432, allowedRoutes: AllowedRoutes.allNamespaces() });
      gw.addListener({ name: "labelled", port: 6379, allowedRoutes: AllowedRoutes.namespacesWithLabels({ team: "data" }) });
    });
    const gw = find(objects, "Gateway", "edge");
    expect(gw.apiVersion).toBe("gateway.networking.k8s.io/v1");
    expect(gw.metadata.namespace).toBe("default");
    expect(gw.spec).toEqual({
      gatewayClassName: "courier",
      listeners: [
        {
          name: "tls-443",
          port: 443,
          protocol: "TLS",
          hostname: "*.example.com",
          tls: { mode: "Passthrough" },
          allowedRoutes: { kinds: [{ group: "gateway.networking.k8s.io", kind: "TLSRoute" }], namespaces: { from: "Same" } },
        },
        {
          name: "db",
          port: 5432,
          protocol: "TLS",
          tls: { mode: "Passthrough" },
          allowedRoutes: { kinds: [{ group: "gateway.networking.k8s.io", kind: "TLSRoute" }], namespaces: { from: "All" } },
        },
        {
          name: "labelled",
          port: 6379,
          protocol: "TLS",
          tls: { mode: "Passthrough" },
          allowedRoutes: {
            kinds: [{ group: "gateway.networking.k8s.io", kind: "TLSRoute" }],
            namespaces: { from: "Selector", selector: { matchLabels: { team: "data" } } },
          },
        },
      ],
    });
  });

  test("explicit name, namespace, class, labels and annotations; chart namespace is the default", () => {
    const objects = synth((chart) => {
      const cls = new PassthroughGatewayClass(chart, "cls", { name: "courier-internal" });
      new PassthroughGateway(chart, "id", {
        name: "public",
        gatewayClass: cls,
        labels: { tier: "edge" },
        annotations: { note: "x" },
        listeners: [{ port: 443 }],
      });
      new PassthroughGateway(chart, "other", { namespace: "ops", gatewayClass: PassthroughGatewayClass.fromGatewayClassName("shared"), listeners: [{ port: 443 }] });
    }, "apps");
    const gw = find(objects, "Gateway", "public");
    expect(gw.metadata).toEqual({ name: "public", namespace: "apps", labels: { tier: "edge" }, annotations: { note: "x" } });
    expect((gw.spec as { gatewayClassName: string }).gatewayClassName).toBe("courier-internal");
    const other = find(objects, "Gateway", "other");
    expect(other.metadata.namespace).toBe("ops");
    expect((other.spec as { gatewayClassName: string }).gatewayClassName).toBe("shared");
    const cls = find(objects, "GatewayClass", "courier-internal");
    expect(cls.spec).toMatchObject({ controllerName: "courier.dev/gateway-controller" });
    // No sync wave: wave 0 with the proxy's Deployment (an earlier one stalls Argo CD's
    // first install: the class is Healthy only once the running proxy accepts it).
    expect(cls.metadata.annotations).toBeUndefined();
  });

  test("fromGatewayName refers without creating anything", () => {
    expect(PassthroughGateway.fromGatewayName("shared", "infra")).toEqual({ name: "shared", namespace: "infra" });
    expect(PassthroughGateway.fromGatewayName("shared").namespace).toBe("default");
  });
});

describe("PassthroughGateway validation", () => {
  test("a Gateway needs a listener", () => {
    expect(synthErrors((c) => void new PassthroughGateway(c, "gw"))).toContain(
      "[test/gw] spec.listeners: the Gateway has no listener. Fix: pass `listeners` or call addListener({ port: 443 })",
    );
  });

  test("listener ports must be 1..65535", () => {
    const errors = synthErrors((c) => void new PassthroughGateway(c, "gw", { listeners: [{ name: "a", port: 0 }, { name: "b", port: 70000 }, { name: "c", port: 44.5 }] }));
    expect(errors).toContain("[test/gw] spec.listeners[0].port: port 0 is outside 1..65535. Fix: use a whole number between 1 and 65535");
    expect(errors).toContain("spec.listeners[1].port: port 70000 is outside 1..65535");
    expect(errors).toContain("spec.listeners[2].port: port 44.5 is outside 1..65535");
  });

  test("listener hostnames are checked", () => {
    const errors = synthErrors((c) => void new PassthroughGateway(c, "gw", { listeners: [{ port: 443, hostname: "Secure.example.com" }] }));
    expect(errors).toContain('[test/gw] spec.listeners[0].hostname: "Secure.example.com" has uppercase letters. Fix: write it as "secure.example.com"');
  });

  test("listener names must be unique", () => {
    const errors = synthErrors((c) => void new PassthroughGateway(c, "gw", { listeners: [{ port: 443, hostname: "a.example.com" }, { port: 443, hostname: "b.example.com" }] }));
    expect(errors).toContain('[test/gw] spec.listeners[1].name: listener name "tls-443" is used twice. Fix: give each listener its own `name`');
  });

  test("port + hostname must be unique", () => {
    const errors = synthErrors((c) => void new PassthroughGateway(c, "gw", { listeners: [{ name: "a", port: 443, hostname: "x.example.com" }, { name: "b", port: 443, hostname: "x.example.com" }] }));
    expect(errors).toContain('[test/gw] spec.listeners[1]: listeners "a" and "b" both serve port 443 with hostname x.example.com. Fix: give them different hostnames or ports');
    const anyHost = synthErrors((c) => void new PassthroughGateway(c, "gw", { listeners: [{ name: "a", port: 8443 }, { name: "b", port: 8443 }] }));
    expect(anyHost).toContain('listeners "a" and "b" both serve port 8443 with hostname (any)');
  });

  test("listener names must be RFC 1123 labels", () => {
    const errors = synthErrors((c) => void new PassthroughGateway(c, "gw", { listeners: [{ name: "TLS_443", port: 443 }] }));
    expect(errors).toContain('[test/gw] spec.listeners[0].name: "TLS_443" is not a valid RFC 1123 label');
  });

  test("at most 64 listeners", () => {
    const errors = synthErrors((c) => void new PassthroughGateway(c, "gw", { listeners: Array.from({ length: 65 }, (_, i) => ({ port: 1000 + i })) }));
    expect(errors).toContain("[test/gw] spec.listeners: 65 listeners exceed the limit of 64. Fix: split them across several Gateways");
  });

  test("Gateway name and namespace must be valid", () => {
    const errors = synthErrors((c) => void new PassthroughGateway(c, "gw", { name: "My_Gateway", namespace: "Apps", listeners: [{ port: 443 }] }));
    expect(errors).toContain('[test/gw] metadata.name: "My_Gateway" is not a valid object name');
    expect(errors).toContain('[test/gw] metadata.namespace: "Apps" is not a valid RFC 1123 label');
  });

  test("GatewayClass name must be valid", () => {
    expect(synthErrors((c) => void new PassthroughGatewayClass(c, "cls", { name: "Courier" }))).toContain('[test/cls] metadata.name: "Courier" is not a valid object name');
  });

  test("a valid Gateway has no errors", () => {
    expect(synthErrors((c) => void new PassthroughGateway(c, "gw", { listeners: [{ port: 443 }, { port: 5432, hostname: "*.db.example.com" }] }))).toBe("");
  });
});

describe("PassthroughGatewayClass validation", () => {
  test("the description fits the CRD's 64 characters", () => {
    expect(synthErrors((c) => void new PassthroughGatewayClass(c, "cls", { description: "x".repeat(65) }))).toContain(
      "[test/cls] spec.description: the description is 65 characters long. Fix: shorten it to at most 64 characters",
    );
    expect(synthErrors((c) => void new PassthroughGatewayClass(c, "cls"))).toBe("");
  });

  test("a sync wave, when given, is an annotation with a whole number", () => {
    const cls = find(synth((chart) => void new PassthroughGatewayClass(chart, "cls", { syncWave: 1 })), "GatewayClass", "courier");
    expect(cls.metadata.annotations).toEqual({ "argocd.argoproj.io/sync-wave": "1" });
    expect(synthErrors((c) => void new PassthroughGatewayClass(c, "cls", { syncWave: 0.5 }))).toContain(
      "[test/cls] metadata.annotations: the sync wave 0.5 is not an integer. Fix: pass a whole number or leave syncWave unset",
    );
  });
});
