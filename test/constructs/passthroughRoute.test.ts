import { describe, expect, test } from "bun:test";
import type { Chart } from "cdk8s";
import { Duration } from "cdk8s";
import { Service } from "cdk8s-plus-33";
import {
  AllowedRoutes,
  Backend,
  BackendKind,
  HealthCheckProtocol,
  BackendReferenceGrant,
  PassthroughGateway,
  PassthroughGatewayClass,
  PassthroughRoute,
  PassthroughRouteSet,
  ProxyProtocolVersion,
  ReferenceGrantPolicy,
  TlsRouteApiVersion,
  type PassthroughRouteProps,
} from "../../src/index.ts";
import { find, synth, synthErrors } from "./helpers.ts";

const svc = (name: string, port = 443, extra: Partial<Parameters<typeof Backend.fromServiceName>[1]> = {}): Backend => Backend.fromServiceName(name, { port, ...extra });

/** A Gateway "gw" in `namespace` with one listener, and a route built from `props`. */
function withGateway(props: Partial<PassthroughRouteProps> = {}, listener: { hostname?: string; allowedRoutes?: AllowedRoutes; port?: number; name?: string } = {}, gatewayNamespace = "default") {
  return (chart: Chart): void => {
    const gateway = new PassthroughGateway(chart, "gw", { namespace: gatewayNamespace, listeners: [{ name: listener.name ?? "tls", port: listener.port ?? 443, ...listener }] });
    new PassthroughRoute(chart, "r", { gateway, hostnames: ["app.example.com"], backends: [svc("app")], ...props });
  };
}

describe("PassthroughRoute output", () => {
  test("a v1 TLSRoute with one rule; defaults left out", () => {
    const route = find(synth(withGateway()), "TLSRoute", "r");
    expect(route.apiVersion).toBe("gateway.networking.k8s.io/v1");
    expect(route.metadata).toEqual({ name: "r", namespace: "default" });
    expect(route.spec).toEqual({
      parentRefs: [{ name: "gw" }],
      hostnames: ["app.example.com"],
      rules: [{ backendRefs: [{ name: "app", port: 443 }] }],
    });
  });

  test("v1alpha2 on request", () => {
    const route = find(synth(withGateway({ apiVersion: TlsRouteApiVersion.V1ALPHA2 })), "TLSRoute", "r");
    expect(route.apiVersion).toBe("gateway.networking.k8s.io/v1alpha2");
    expect(route.spec).toEqual({ parentRefs: [{ name: "gw" }], hostnames: ["app.example.com"], rules: [{ backendRefs: [{ name: "app", port: 443 }] }] });
  });

  test("v1alpha2 may leave hostnames out (matches every SNI)", () => {
    const objects = synth(withGateway({ apiVersion: TlsRouteApiVersion.V1ALPHA2, hostnames: [] }));
    expect(find(objects, "TLSRoute", "r").spec).not.toHaveProperty("hostnames");
    expect(synthErrors(withGateway({ apiVersion: TlsRouteApiVersion.V1ALPHA2, hostnames: [] }))).toBe("");
  });

  test("weights, ServiceImport, parent namespace, sectionName and port", () => {
    const objects = synth((chart) => {
      const gateway = new PassthroughGateway(chart, "gw", { namespace: "infra", listeners: [{ name: "tls", port: 443, allowedRoutes: AllowedRoutes.allNamespaces() }] });
      const route = new PassthroughRoute(chart, "r", { namespace: "apps", hostnames: ["app.example.com"], gateway, sectionName: "tls", port: 443 });
      route.addBackend(svc("stable", 443, { weight: 90 }));
      route.addBackend(svc("canary", 443, { weight: 10 }));
      route.addBackend(Backend.fromServiceImportName("global", { port: 8443, weight: 0 }));
    });
    expect(find(objects, "TLSRoute", "r").spec).toEqual({
      parentRefs: [{ name: "gw", namespace: "infra", sectionName: "tls", port: 443 }],
      hostnames: ["app.example.com"],
      rules: [
        {
          backendRefs: [
            { name: "stable", port: 443, weight: 90 },
            { name: "canary", port: 443, weight: 10 },
            { group: "multicluster.x-k8s.io", kind: "ServiceImport", name: "global", port: 8443, weight: 0 },
          ],
        },
      ],
    });
  });

  test("fallback backends get weight 0 and the courier.dev/fallback annotation", () => {
    const objects = synth(withGateway({ fallbackBackends: [svc("sorry", 443, { weight: 5 })] }));
    const route = find(objects, "TLSRoute", "r");
    expect(route.metadata.annotations).toEqual({ "courier.dev/fallback": "true" });
    expect((route.spec as { rules: unknown[] }).rules).toEqual([{ backendRefs: [{ name: "app", port: 443 }, { name: "sorry", port: 443, weight: 0 }] }]);
  });

  test("idle timeout and TCP keepalive become annotations in Go duration syntax", () => {
    const objects = synth(withGateway({ idleTimeout: "2h", tcpKeepalive: Duration.seconds(90), annotations: { team: "db" } }));
    expect(find(objects, "TLSRoute", "r").metadata.annotations).toEqual({ team: "db", "courier.dev/idle-timeout": "2h", "courier.dev/tcp-keepalive": "1m30s" });
    const hours = synth(withGateway({ idleTimeout: Duration.hours(2) }));
    expect(find(hours, "TLSRoute", "r").metadata.annotations).toEqual({ "courier.dev/idle-timeout": "2h" });
  });

  test("proxyProtocol becomes courier.dev/proxy-protocol, on every route of a PassthroughRouteSet too", () => {
    expect(find(synth(withGateway({ proxyProtocol: ProxyProtocolVersion.V2 })), "TLSRoute", "r").metadata.annotations).toEqual({ "courier.dev/proxy-protocol": "v2" });
    const objects = synth((chart) => {
      const gateway = new PassthroughGateway(chart, "gw", { listeners: [{ port: 5432 }] });
      new PassthroughRouteSet(chart, "set", {
        name: "db",
        gateway,
        proxyProtocol: ProxyProtocolVersion.V2,
        groups: [
          { name: "a", hostnames: ["a.example.com"], backends: [svc("a", 5432)] },
          { name: "b", hostnames: ["b.example.com"], backends: [svc("b", 5432)] },
        ],
      });
    });
    expect(objects.filter((o) => o.kind === "TLSRoute").map((r) => r.metadata.annotations)).toEqual([{ "courier.dev/proxy-protocol": "v2" }, { "courier.dev/proxy-protocol": "v2" }]);
  });

  test("health checks become courier.dev/health-check* annotations, defaults left out", () => {
    const full = synth(withGateway({ healthCheck: { protocol: HealthCheckProtocol.TLS, interval: Duration.seconds(10), timeout: "3s", healthyThreshold: 1, unhealthyThreshold: 5 } }));
    expect(find(full, "TLSRoute", "r").metadata.annotations).toEqual({
      "courier.dev/health-check": "tls",
      "courier.dev/health-check-interval": "10s",
      "courier.dev/health-check-timeout": "3s",
      "courier.dev/health-check-healthy-threshold": "1",
      "courier.dev/health-check-unhealthy-threshold": "5",
    });
    const plain = synth(withGateway({ healthCheck: { protocol: HealthCheckProtocol.TCP } }));
    expect(find(plain, "TLSRoute", "r").metadata.annotations).toEqual({ "courier.dev/health-check": "tcp" });
  });

  test("Backend.fromService takes the Service's name and namespace", () => {
    const objects = synth((chart) => {
      const gateway = new PassthroughGateway(chart, "gw", { listeners: [{ port: 443 }] });
      const service = new Service(chart, "svc", { metadata: { name: "web", namespace: "default" }, ports: [{ port: 443 }] });
      new PassthroughRoute(chart, "r", { gateway, hostnames: ["web.example.com"], backends: [Backend.fromService(service, { port: 443 })] });
    });
    expect((find(objects, "TLSRoute", "r").spec as { rules: unknown[] }).rules).toEqual([{ backendRefs: [{ name: "web", port: 443 }] }]);
  });

  test("ReferenceGrantPolicy.CREATE writes one grant per backend namespace", () => {
    const objects = synth((chart) => {
      const gateway = new PassthroughGateway(chart, "gw", { listeners: [{ port: 443 }] });
      new PassthroughRoute(chart, "r", {
        gateway,
        hostnames: ["pay.example.com"],
        referenceGrants: ReferenceGrantPolicy.CREATE,
        backends: [svc("a", 443, { namespace: "payments" }), svc("b", 443, { namespace: "payments" }), Backend.fromServiceImportName("c", { port: 443, namespace: "global" })],
      });
    });
    const grants = objects.filter((o) => o.kind === "ReferenceGrant");
    expect(grants.map((g) => [g.metadata.namespace, g.spec])).toEqual([
      ["payments", { from: [{ group: "gateway.networking.k8s.io", kind: "TLSRoute", namespace: "default" }], to: [{ group: "", kind: "Service", name: "a" }, { group: "", kind: "Service", name: "b" }] }],
      ["global", { from: [{ group: "gateway.networking.k8s.io", kind: "TLSRoute", namespace: "default" }], to: [{ group: "multicluster.x-k8s.io", kind: "ServiceImport", name: "c" }] }],
    ]);
    expect((find(objects, "TLSRoute", "r").spec as { rules: { backendRefs: unknown[] }[] }).rules[0]!.backendRefs[0]).toEqual({ name: "a", namespace: "payments", port: 443 });
  });

  test("a v1alpha2 route generates v1beta1 ReferenceGrants (older clusters serve no v1)", () => {
    const build = (apiVersion: TlsRouteApiVersion) =>
      synth(withGateway({ apiVersion, referenceGrants: ReferenceGrantPolicy.CREATE, backends: [svc("a", 443, { namespace: "payments" })] }));
    expect(find(build(TlsRouteApiVersion.V1ALPHA2), "ReferenceGrant").apiVersion).toBe("gateway.networking.k8s.io/v1beta1");
    expect(find(build(TlsRouteApiVersion.V1), "ReferenceGrant").apiVersion).toBe("gateway.networking.k8s.io/v1");
  });

  test("PassthroughRouteSet writes one TLSRoute per hostname group", () => {
    const objects = synth((chart) => {
      const gateway = new PassthroughGateway(chart, "gw", { listeners: [{ port: 443 }] });
      const set = new PassthroughRouteSet(chart, "set", {
        name: "shop",
        gateway,
        idleTimeout: "10m",
        groups: [{ name: "api", hostnames: ["api.example.com"], backends: [svc("api")] }],
      });
      set.addGroup({ name: "admin", hostnames: ["admin.example.com", "*.admin.example.com"], backends: [svc("admin")], fallbackBackends: [svc("sorry")] });
      expect(set.routes.map((r) => r.name)).toEqual(["shop-api", "shop-admin"]);
    });
    const routes = objects.filter((o) => o.kind === "TLSRoute");
    expect(routes.map((r) => [r.metadata.name, r.metadata.annotations, r.spec])).toEqual([
      ["shop-api", { "courier.dev/idle-timeout": "10m" }, { parentRefs: [{ name: "gw" }], hostnames: ["api.example.com"], rules: [{ backendRefs: [{ name: "api", port: 443 }] }] }],
      [
        "shop-admin",
        { "courier.dev/idle-timeout": "10m", "courier.dev/fallback": "true" },
        { parentRefs: [{ name: "gw" }], hostnames: ["admin.example.com", "*.admin.example.com"], rules: [{ backendRefs: [{ name: "admin", port: 443 }, { name: "sorry", port: 443, weight: 0 }] }] },
      ],
    ]);
  });
});

describe("PassthroughRoute validation", () => {
  test("a valid route has no errors", () => {
    expect(synthErrors(withGateway())).toBe("");
  });

  test("hostnames are checked (RFC 1123, wildcard, IP, lowercase)", () => {
    const errors = synthErrors(withGateway({ hostnames: ["App.example.com", "192.168.1.10", "a.*.example.com", "bad_name.example.com"] }));
    expect(errors).toContain('[test/r] spec.hostnames[0]: "App.example.com" has uppercase letters. Fix: write it as "app.example.com"');
    expect(errors).toContain('[test/r] spec.hostnames[1]: "192.168.1.10" is an IP address, which TLS clients never send as SNI');
    expect(errors).toContain('[test/r] spec.hostnames[2]: "a.*.example.com" has "*" in a label other than the first');
    expect(errors).toContain('[test/r] spec.hostnames[3]: "bad_name.example.com" is not an RFC 1123 DNS name');
  });

  test("a v1 route needs a hostname", () => {
    expect(synthErrors(withGateway({ hostnames: [] }))).toContain('[test/r] spec.hostnames: a v1 TLSRoute needs at least one hostname. Fix: pass `hostnames: ["db.example.com"]`');
  });

  test("at most 1024 hostnames", () => {
    const hostnames = Array.from({ length: 1025 }, (_, i) => `h${i}.example.com`);
    expect(synthErrors(withGateway({ hostnames }))).toContain("[test/r] spec.hostnames: 1025 hostnames exceed the limit of 1024. Fix: split them across several routes");
  });

  test("a route needs a backend", () => {
    expect(synthErrors(withGateway({ backends: [] }))).toContain('[test/r] spec.rules[0].backendRefs: the route has no backend. Fix: pass `backends: [Backend.fromServiceName("app", { port: 443 })]`');
  });

  test("at most 16 backends, fallbacks included", () => {
    const backends = Array.from({ length: 16 }, (_, i) => svc(`b${i}`));
    expect(synthErrors(withGateway({ backends }))).toBe("");
    expect(synthErrors(withGateway({ backends, fallbackBackends: [svc("extra")] }))).toContain(
      "[test/r] spec.rules[0].backendRefs: 17 backends exceed the limit of 16 per rule. Fix: split the hostnames across several routes",
    );
  });

  test("weights are 0..1,000,000", () => {
    const errors = synthErrors(withGateway({ backends: [svc("a", 443, { weight: -1 }), svc("b", 443, { weight: 1_000_001 }), svc("c", 443, { weight: 1.5 }), svc("d", 443, { weight: 1_000_000 }), svc("e", 443, { weight: 0 })] }));
    expect(errors).toContain("[test/r] spec.rules[0].backendRefs[0].weight: weight -1 is outside 0..1,000,000. Fix: use a whole number between 0 and 1000000");
    expect(errors).toContain("spec.rules[0].backendRefs[1].weight: weight 1000001 is outside 0..1,000,000");
    expect(errors).toContain("spec.rules[0].backendRefs[2].weight: weight 1.5 is outside 0..1,000,000");
    expect(errors).not.toContain("backendRefs[3]");
    expect(errors).not.toContain("backendRefs[4]");
  });

  test("backend ports are 1..65535", () => {
    expect(synthErrors(withGateway({ backends: [svc("a", 0)] }))).toContain("[test/r] spec.rules[0].backendRefs[0].port: port 0 is outside 1..65535. Fix: use a whole number between 1 and 65535");
    expect(synthErrors(withGateway({ backends: [svc("a", 65536)] }))).toContain("spec.rules[0].backendRefs[0].port: port 65536 is outside 1..65535");
  });

  test("MySQL (port 3306 or protocol mysql) is an error unless explicitly allowed", () => {
    const byPort = synthErrors(withGateway({ backends: [svc("mysql", 3306)] }));
    expect(byPort).toContain(
      "[test/r] spec.rules[0].backendRefs[0]: Service default/mysql:3306 looks like MySQL, a server-first protocol: the server speaks before the client and no TLS ClientHello (so no SNI) ever reaches the proxy, so it cannot be routed by hostname. Fix: expose MySQL through its own Service/LoadBalancer port instead of a passthrough route; if this port really carries a client-first TLS protocol, set `allowServerFirstProtocol: true` on the backend",
    );
    expect(synthErrors(withGateway({ backends: [svc("db", 3307, { protocol: "MySQL" })] }))).toContain("Service default/db:3307 looks like MySQL");
    expect(synthErrors(withGateway({ backends: [svc("mysql", 3306, { allowServerFirstProtocol: true })] }))).toBe("");
  });

  test("a cross-namespace backend needs a ReferenceGrant", () => {
    const errors = synthErrors(withGateway({ backends: [svc("billing", 8443, { namespace: "payments" })] }));
    expect(errors).toContain(
      "[test/r] spec.rules[0].backendRefs[0]: Service payments/billing:8443 is in another namespace than the route (default) and no ReferenceGrant in this app admits it. Fix: add a BackendReferenceGrant in namespace payments from namespace default, set `referenceGrants: ReferenceGrantPolicy.CREATE` to generate one, or ReferenceGrantPolicy.EXTERNAL if it is managed elsewhere",
    );
  });

  test("a BackendReferenceGrant anywhere in the app satisfies the check, if it matches", () => {
    const build = (grant: { from: string; kind: BackendKind; name?: string; namespace: string }) => (chart: Chart) => {
      withGateway({ backends: [svc("billing", 8443, { namespace: "payments" })] })(chart);
      new BackendReferenceGrant(chart, "grant", { name: "g", namespace: grant.namespace, fromNamespaces: [grant.from], targets: [{ kind: grant.kind, ...(grant.name === undefined ? {} : { name: grant.name }) }] });
    };
    expect(synthErrors(build({ from: "default", kind: BackendKind.SERVICE, namespace: "payments" }))).toBe("");
    expect(synthErrors(build({ from: "default", kind: BackendKind.SERVICE, name: "billing", namespace: "payments" }))).toBe("");
    expect(synthErrors(build({ from: "default", kind: BackendKind.SERVICE, name: "other", namespace: "payments" }))).toContain("no ReferenceGrant in this app admits it");
    expect(synthErrors(build({ from: "apps", kind: BackendKind.SERVICE, namespace: "payments" }))).toContain("no ReferenceGrant in this app admits it");
    expect(synthErrors(build({ from: "default", kind: BackendKind.SERVICE_IMPORT, namespace: "payments" }))).toContain("no ReferenceGrant in this app admits it");
    expect(synthErrors(build({ from: "default", kind: BackendKind.SERVICE, namespace: "billing" }))).toContain("no ReferenceGrant in this app admits it");
  });

  test("ReferenceGrantPolicy.CREATE and EXTERNAL satisfy the check", () => {
    expect(synthErrors(withGateway({ backends: [svc("billing", 8443, { namespace: "payments" })], referenceGrants: ReferenceGrantPolicy.CREATE }))).toBe("");
    expect(synthErrors(withGateway({ backends: [svc("billing", 8443, { namespace: "payments" })], referenceGrants: ReferenceGrantPolicy.EXTERNAL }))).toBe("");
  });

  test("a BackendReferenceGrant must admit something", () => {
    const errors = synthErrors((c) => void new BackendReferenceGrant(c, "g", { name: "g", namespace: "payments", fromNamespaces: [] }));
    expect(errors).toContain("[test/g] spec.from: the grant admits no namespace. Fix: list the route namespaces in `fromNamespaces`");
    expect(errors).toContain("[test/g] spec.to: the grant opens up nothing. Fix: pass `targets` or call addTarget({ kind: BackendKind.SERVICE })");
  });

  test("a route needs a parent Gateway", () => {
    expect(synthErrors((c) => void new PassthroughRoute(c, "r", { hostnames: ["a.example.com"], backends: [svc("a")] }))).toContain(
      "[test/r] spec.parentRefs: the route is attached to no Gateway, so no listener will ever serve it. Fix: pass `gateway` or call attachTo(gateway)",
    );
  });

  test("sectionName must name a listener of the Gateway", () => {
    expect(synthErrors(withGateway({ sectionName: "postgres" }))).toContain('[test/r] spec.parentRefs[0]: Gateway default/gw has no listener named "postgres". Fix: use one of its listeners: tls (port 443)');
  });

  test("port must match a listener of the Gateway", () => {
    expect(synthErrors(withGateway({ port: 8443 }))).toContain("[test/r] spec.parentRefs[0]: Gateway default/gw has no listener on port 8443. Fix: use one of its listeners: tls (port 443)");
    expect(synthErrors(withGateway({ port: 8443 }, { port: 8443 }))).toBe("");
    expect(synthErrors(withGateway({ port: 70000 }))).toContain("[test/r] spec.parentRefs[0].port: port 70000 is outside 1..65535");
  });

  test("route hostnames must intersect the listener hostname", () => {
    expect(synthErrors(withGateway({ hostnames: ["app.example.org"] }, { hostname: "*.example.com" }))).toContain(
      '[test/r] spec.hostnames[0]: "app.example.org" matches no listener hostname of Gateway default/gw selected by spec.parentRefs[0] (tls: *.example.com), so connections for it would never reach this route. Fix: change the hostname, or attach to a listener whose hostname covers it',
    );
    expect(synthErrors(withGateway({ hostnames: ["example.com"] }, { hostname: "*.example.com" }))).toContain('"example.com" matches no listener hostname');
    expect(synthErrors(withGateway({ hostnames: ["a.b.example.com", "*.example.com"] }, { hostname: "*.example.com" }))).toBe("");
  });

  test("allowedRoutes must admit the route's namespace", () => {
    expect(synthErrors(withGateway({ namespace: "apps" }, {}, "infra"))).toContain(
      '[test/r] spec.parentRefs[0]: listener "tls" of Gateway infra/gw admits routes only from namespace infra (allowedRoutes from: Same), and this route is in apps. Fix: move the route to namespace infra, or give the listener allowedRoutes: AllowedRoutes.allNamespaces() or namespacesWithLabels(...)',
    );
    expect(synthErrors(withGateway({ namespace: "apps" }, { allowedRoutes: AllowedRoutes.allNamespaces() }, "infra"))).toBe("");
    // A label selector cannot be evaluated at synth time: trusted.
    expect(synthErrors(withGateway({ namespace: "apps" }, { allowedRoutes: AllowedRoutes.namespacesWithLabels({ team: "a" }) }, "infra"))).toBe("");
  });

  test("an imported Gateway is not checked against listeners", () => {
    expect(synthErrors((c) => void new PassthroughRoute(c, "r", { gateway: PassthroughGateway.fromGatewayName("shared", "infra"), sectionName: "anything", hostnames: ["a.example.com"], backends: [svc("a")] }))).toBe("");
  });

  test("at most 32 parents", () => {
    const errors = synthErrors((chart) => {
      const route = new PassthroughRoute(chart, "r", { hostnames: ["a.example.com"], backends: [svc("a")] });
      for (let i = 0; i < 33; i++) route.attachTo(PassthroughGateway.fromGatewayName(`gw${i}`));
    });
    expect(errors).toContain("[test/r] spec.parentRefs: 33 parents exceed the limit of 32. Fix: attach to fewer Gateways");
  });

  test("idle timeout and keepalive must be Go durations the proxy reads (whole ms, 0 = off)", () => {
    const errors = synthErrors(withGateway({ idleTimeout: "2 hours", tcpKeepalive: "500us" }));
    expect(errors).toContain('[test/r] metadata.annotations["courier.dev/idle-timeout"]: "2 hours" is not a Go duration. Fix: write it like "90s", "30m" or "2h"');
    expect(errors).toContain('[test/r] metadata.annotations["courier.dev/tcp-keepalive"]: "500us" is not a whole number of milliseconds, the resolution of Courier\'s timers. Fix: write "1ms"');
    expect(synthErrors(withGateway({ idleTimeout: "1h30m", tcpKeepalive: "45s" }))).toBe("");
    expect(synthErrors(withGateway({ idleTimeout: "0", tcpKeepalive: "0s" }))).toBe("");
    expect(synthErrors(withGateway({ annotations: { "courier.dev/idle-timeout": "-1s" } }))).toContain('[test/r] metadata.annotations["courier.dev/idle-timeout"]: "-1s" is negative');
  });

  test("proxy protocol: only the version the proxy sends, given as the prop or as the raw annotation", () => {
    expect(synthErrors(withGateway({ proxyProtocol: ProxyProtocolVersion.V2 }))).toBe("");
    expect(synthErrors(withGateway({ annotations: { "courier.dev/proxy-protocol": "v2" } }))).toBe("");
    const fix = 'Fix: write "v2" (ProxyProtocolVersion.V2), or leave it out for no header';
    expect(synthErrors(withGateway({ annotations: { "courier.dev/proxy-protocol": "true" } }))).toContain(
      `[test/r] metadata.annotations["courier.dev/proxy-protocol"]: "true" is not a PROXY protocol version Courier sends. ${fix}`,
    );
    // A JavaScript caller can pass any string where the enum is expected.
    expect(synthErrors(withGateway({ proxyProtocol: "V2" as ProxyProtocolVersion }))).toContain(`"V2" is not a PROXY protocol version Courier sends. ${fix}`);
  });

  test("health checks are refused where the proxy would fall back: timeout >= interval, thresholds outside 1..100", () => {
    const errors = synthErrors(withGateway({ healthCheck: { protocol: HealthCheckProtocol.TLS, interval: "1s", timeout: "1s", healthyThreshold: 0, unhealthyThreshold: 2.5 } }));
    expect(errors).toContain('[test/r] metadata.annotations["courier.dev/health-check-timeout"]: "1s" is not shorter than the interval (1s). Fix: make the timeout shorter than the interval');
    expect(errors).toContain('[test/r] metadata.annotations["courier.dev/health-check-healthy-threshold"]: "0" is not a whole number in 1..100. Fix: write a number of consecutive checks, e.g. "2"');
    expect(errors).toContain('[test/r] metadata.annotations["courier.dev/health-check-unhealthy-threshold"]: "2.5" is not a whole number in 1..100');
    expect(synthErrors(withGateway({ healthCheck: { protocol: HealthCheckProtocol.TCP, unhealthyThreshold: 101 } }))).toContain("is not a whole number in 1..100");
    expect(synthErrors(withGateway({ healthCheck: { protocol: HealthCheckProtocol.TCP, interval: "50ms" } }))).toContain('"50ms" is shorter than 100ms');
    expect(synthErrors(withGateway({ healthCheck: { protocol: HealthCheckProtocol.TLS, interval: "200ms", timeout: "100ms", healthyThreshold: 1, unhealthyThreshold: 100 } }))).toBe("");
    // Raw annotations are read the same way.
    expect(synthErrors(withGateway({ annotations: { "courier.dev/health-check": "http" } }))).toContain('[test/r] metadata.annotations["courier.dev/health-check"]: "http" is not "tcp" or "tls"');
    expect(synthErrors(withGateway({ annotations: { "courier.dev/health-check-interval": "1s" } }))).toContain("set without courier.dev/health-check");
  });

  test("two routes may not claim the same hostname on the same port, even through different Gateways", () => {
    const build = (secondPort: number, secondHost: string, className?: string) => (chart: Chart): void => {
      const a = new PassthroughGateway(chart, "a", { listeners: [{ port: 443 }] });
      const b = new PassthroughGateway(chart, "b", {
        listeners: [{ port: secondPort }],
        ...(className === undefined ? {} : { gatewayClass: PassthroughGatewayClass.fromGatewayClassName(className) }),
      });
      new PassthroughRoute(chart, "first", { gateway: a, hostnames: ["shop.example.com"], backends: [svc("one")] });
      new PassthroughRoute(chart, "second", { gateway: b, hostnames: ["x.example.com", secondHost], backends: [svc("two")] });
    };
    expect(synthErrors(build(443, "shop.example.com"))).toContain(
      '[test/second] spec.hostnames[1]: "shop.example.com" on port 443 is also routed by TLSRoute default/first, defined earlier in this app; the proxy keeps one SNI table per port, so only one of the two routes would receive these connections. Fix: give each route its own hostname, or put both sets of backends in one route and split traffic with weights',
    );
    expect(synthErrors(build(443, "shop.example.com"))).not.toContain("[test/first] spec.hostnames");
    expect(synthErrors(build(8443, "shop.example.com"))).toBe("");
    expect(synthErrors(build(443, "*.example.com"))).toBe("");
    expect(synthErrors(build(443, "shop.example.com", "another-class"))).toBe("");
  });

  test("route and backend names and namespaces must be valid", () => {
    const errors = synthErrors(withGateway({ name: "Route", backends: [svc("My_Service", 443, { namespace: "Other" })], referenceGrants: ReferenceGrantPolicy.EXTERNAL }));
    expect(errors).toContain('[test/r] metadata.name: "Route" is not a valid object name');
    expect(errors).toContain('[test/r] spec.rules[0].backendRefs[0].name: "My_Service" is not a valid object name');
    expect(errors).toContain('[test/r] spec.rules[0].backendRefs[0].namespace: "Other" is not a valid RFC 1123 label');
  });

  test("all errors are reported at once, each with the construct path", () => {
    const errors = synthErrors(withGateway({ hostnames: ["A.example.com"], backends: [svc("a", 0, { weight: -2 })] }));
    expect(errors.split("\n").filter((l) => l.includes("[test/r]")).length).toBe(3);
  });
});
