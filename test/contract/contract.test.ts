// The contract, end to end: the same inputs go through the constructs (synth-time
// validation and the manifest they write) and through the proxy (normalizing that
// very manifest, reading its courier.dev/* annotations, its command line), and both
// sides must agree with each other and with the table: accepted or refused, and the
// value. A rule changed on one side only fails here.
import { describe, expect, test } from "bun:test";
import { ApiObject, App, Chart, Duration } from "cdk8s";
import { IDLE_TIMEOUT_ANNOTATION, PROXY_PROTOCOL_ANNOTATION, TCP_KEEPALIVE_ANNOTATION, type HealthCheckSettings } from "../../contract/index.ts";
import { parseServeArgs } from "../../proxy/app/cli.ts";
import { normalizeObject } from "../../proxy/sources/normalize/normalize.ts";
import { settingsFromAnnotations } from "../../proxy/translate/routeSettings.ts";
import { Backend, HealthCheckProtocol, PassthroughGateway, PassthroughRoute, ProxyProtocolVersion, type DurationInput, type HealthCheckOptions } from "../../src/index.ts";
import { synthErrors, type Manifest } from "../constructs/helpers.ts";

type Build = (chart: Chart) => void;

/** The one `kind` object `build` writes, rendered without validation (which refuses bad input before rendering). */
function written(build: Build, kind: string): Manifest {
  const chart = new Chart(new App(), "test");
  build(chart);
  const objects = chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && c.kind === kind);
  if (objects.length !== 1) throw new Error(`expected one ${kind}, found ${objects.length}`);
  return objects[0]!.toJson() as Manifest;
}

/** Whether the constructs accept what `build` defines (synth-time validation), and the `kind` object they write. */
function constructsVerdict(build: Build, kind: string): { readonly accepted: boolean; readonly errors: string; readonly object: Manifest } {
  const errors = synthErrors(build);
  return { accepted: errors === "", errors, object: written(build, kind) };
}

function routeWith(props: { idleTimeout?: DurationInput; tcpKeepalive?: DurationInput; proxyProtocol?: ProxyProtocolVersion; hostnames?: string[] }): Build {
  return (chart) => {
    const gateway = new PassthroughGateway(chart, "gw", { listeners: [{ name: "tls", port: 443 }] });
    new PassthroughRoute(chart, "r", { gateway, hostnames: ["app.example.com"], backends: [Backend.fromServiceName("app", { port: 443 })], ...props });
  };
}

describe("durations: courier.dev/idle-timeout and courier.dev/tcp-keepalive", () => {
  // [input, milliseconds, or undefined when refused]
  const cases: readonly (readonly [DurationInput, number | undefined])[] = [
    ["90s", 90_000],
    ["1h30m", 5_400_000],
    ["1.5s", 1_500],
    ["500ms", 500],
    ["2h", 7_200_000],
    ["+5s", 5_000],
    [".5s", 500],
    ["1000us", 1],
    ["2000000ns", 2],
    // Zero in any spelling means off (no idle timeout, no keepalive), on both sides.
    ["0", 0],
    ["0s", 0],
    ["0ms", 0],
    // Finer than Courier's millisecond timers: refused rather than rounded.
    ["500us", undefined],
    ["500µs", undefined],
    ["1ns", undefined],
    ["1.0005s", undefined],
    ["-1s", undefined],
    ["", undefined],
    ["10", undefined],
    ["1d", undefined],
    ["2 hours", undefined],
    [" 90s", undefined],
    ["1h 30m", undefined],
    ["1e3s", undefined],
    ["s", undefined],
    ["2562048h", undefined],
    [Duration.minutes(90), 5_400_000],
    [Duration.seconds(1.5), 1_500],
    [Duration.millis(0), 0],
  ];
  const label = (input: DurationInput): string => (typeof input === "string" ? JSON.stringify(input) : `Duration(${input.toMilliseconds()}ms)`);

  for (const [input, expected] of cases) {
    test(`${label(input)} -> ${expected === undefined ? "refused" : `${expected} ms`}`, () => {
      for (const [option, annotation] of [["idleTimeout", IDLE_TIMEOUT_ANNOTATION], ["tcpKeepalive", TCP_KEEPALIVE_ANNOTATION]] as const) {
        const constructs = constructsVerdict(routeWith(option === "idleTimeout" ? { idleTimeout: input } : { tcpKeepalive: input }), "TLSRoute");
        // The proxy reads the annotation the constructs wrote, exactly as translate() does.
        const annotationValue = constructs.object.metadata.annotations?.[annotation];
        if (annotationValue === undefined) throw new Error(`${annotation} not written`);
        const read = settingsFromAnnotations({ [annotation]: annotationValue });
        const proxyMs = option === "idleTimeout" ? read.settings.idleTimeoutMs : read.settings.keepAliveMs;
        expect({ option, constructs: constructs.accepted, proxy: read.problems.length === 0 }).toEqual({ option, constructs: expected !== undefined, proxy: expected !== undefined });
        expect(proxyMs).toBe(expected);
        if (expected === undefined) expect(constructs.errors).toContain(`[test/r] metadata.annotations["${annotation}"]: `);
        // A string is written as given; a cdk8s Duration in a form the proxy reads back exactly (checked above).
        if (typeof input === "string") expect(annotationValue).toBe(input);
      }
      // The command line reads the same grammar (its --idle-timeout also allows 0 = never).
      if (typeof input === "string") {
        const parsed = parseServeArgs(["--idle-timeout", input]);
        expect("options" in parsed ? parsed.options.limits.idleTimeoutMs : undefined).toBe(expected);
      }
    });
  }

  test("a raw annotation is held to the same rule as the option", () => {
    const build: Build = (chart) => {
      const gateway = new PassthroughGateway(chart, "gw", { listeners: [{ port: 443 }] });
      new PassthroughRoute(chart, "r", { gateway, hostnames: ["a.example.com"], backends: [Backend.fromServiceName("a", { port: 443 })], annotations: { [IDLE_TIMEOUT_ANNOTATION]: "500us" } });
    };
    expect(synthErrors(build)).toContain('"500us" is not a whole number of milliseconds');
    expect(settingsFromAnnotations({ [IDLE_TIMEOUT_ANNOTATION]: "500us" }).problems).toEqual([
      `${IDLE_TIMEOUT_ANNOTATION}: "500us" is not a whole number of milliseconds, the resolution of Courier's timers; ignored`,
    ]);
  });
});

describe("courier.dev/proxy-protocol", () => {
  // [annotation value, whether both sides take it (the proxy then sends a v2 header)]
  const cases: readonly (readonly [string, boolean])[] = [
    ["v2", true],
    ["V2", false],
    ["v1", false],
    ["true", false],
    ["", false],
    [" v2", false],
  ];
  for (const [value, accepted] of cases) {
    test(`${JSON.stringify(value)} -> ${accepted ? "header" : "refused by the constructs, no header from the proxy"}`, () => {
      const constructs = constructsVerdict(
        (chart) => {
          const gateway = new PassthroughGateway(chart, "gw", { listeners: [{ port: 443 }] });
          new PassthroughRoute(chart, "r", { gateway, hostnames: ["a.example.com"], backends: [Backend.fromServiceName("a", { port: 443 })], annotations: { [PROXY_PROTOCOL_ANNOTATION]: value } });
        },
        "TLSRoute",
      );
      const read = settingsFromAnnotations(constructs.object.metadata.annotations ?? {});
      expect({ constructs: constructs.accepted, proxy: read.problems.length === 0 }).toEqual({ constructs: accepted, proxy: accepted });
      expect(read.settings.proxyProtocol).toBe(accepted ? "v2" : undefined);
    });
  }

  test("the prop writes the value the proxy reads", () => {
    const constructs = constructsVerdict(routeWith({ proxyProtocol: ProxyProtocolVersion.V2 }), "TLSRoute");
    expect(constructs.accepted).toBe(true);
    expect(settingsFromAnnotations(constructs.object.metadata.annotations ?? {}).settings.proxyProtocol).toBe("v2");
  });
});

describe("health checks: the courier.dev/health-check* annotations", () => {
  // [options, the settings the proxy reads, or undefined when the constructs refuse them]
  const cases: readonly (readonly [HealthCheckOptions, HealthCheckSettings | undefined])[] = [
    [{ protocol: HealthCheckProtocol.TLS }, { kind: "tls", intervalMs: 5_000, timeoutMs: 2_000, healthyThreshold: 2, unhealthyThreshold: 3 }],
    [{ protocol: HealthCheckProtocol.TCP, interval: Duration.millis(200), timeout: "100ms", healthyThreshold: 1, unhealthyThreshold: 100 }, { kind: "tcp", intervalMs: 200, timeoutMs: 100, healthyThreshold: 1, unhealthyThreshold: 100 }],
    // A short interval shortens the default timeout with it.
    [{ protocol: HealthCheckProtocol.TCP, interval: "1s" }, { kind: "tcp", intervalMs: 1_000, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 3 }],
    [{ protocol: HealthCheckProtocol.TCP, interval: "99ms" }, undefined],
    [{ protocol: HealthCheckProtocol.TCP, interval: "1s", timeout: "1s" }, undefined],
    [{ protocol: HealthCheckProtocol.TCP, timeout: "0" }, undefined],
    [{ protocol: HealthCheckProtocol.TCP, timeout: "500us" }, undefined],
    [{ protocol: HealthCheckProtocol.TCP, healthyThreshold: 0 }, undefined],
    [{ protocol: HealthCheckProtocol.TCP, unhealthyThreshold: 101 }, undefined],
    [{ protocol: HealthCheckProtocol.TCP, unhealthyThreshold: 1.5 }, undefined],
  ];
  for (const [options, expected] of cases) {
    test(`${JSON.stringify(options)} -> ${expected === undefined ? "refused" : "accepted"}`, () => {
      const constructs = constructsVerdict((chart) => {
        const gateway = new PassthroughGateway(chart, "gw", { listeners: [{ name: "tls", port: 443 }] });
        new PassthroughRoute(chart, "r", { gateway, hostnames: ["app.example.com"], backends: [Backend.fromServiceName("app", { port: 443 })], healthCheck: options });
      }, "TLSRoute");
      const read = settingsFromAnnotations(constructs.object.metadata.annotations ?? {});
      expect({ constructs: constructs.accepted, proxy: read.problems.length === 0 }).toEqual({ constructs: expected !== undefined, proxy: expected !== undefined });
      if (expected !== undefined) expect(read.settings.healthCheck).toEqual(expected);
      // Refused here, the proxy still checks, with its fallback for the bad knob.
      else expect(read.settings.healthCheck?.kind).toBe(options.protocol);
    });
  }
});

describe("hostnames: route spec.hostnames and listener hostname", () => {
  const label63 = "a".repeat(63);
  const longest = `${label63}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
  // [hostname, accepted]
  const cases: readonly (readonly [string, boolean])[] = [
    ["db.example.com", true],
    ["*.example.com", true],
    ["*.com", true],
    ["localhost", true],
    ["a-b.c1.io", true],
    ["xn--bcher-kva.example", true],
    [`${label63}.example.com`, true],
    [longest, true],
    ["*.1.2.3.4", true],
    ["DB.example.com", false],
    ["example.com.", false],
    ["*", false],
    ["*.*.example.com", false],
    ["a.*.example.com", false],
    ["*example.com", false],
    ["-db.example.com", false],
    ["db-.example.com", false],
    ["db_1.example.com", false],
    ["db..example.com", false],
    ["10.0.0.1", false],
    ["999.1.1.1", false],
    ["::1", false],
    ["", false],
    [`${"a".repeat(64)}.example.com`, false],
    [`${longest}d`, false],
  ];
  const show = (hostname: string): string => (hostname.length > 40 ? `${hostname.slice(0, 12)}...(${hostname.length} chars)` : JSON.stringify(hostname));

  for (const [hostname, expected] of cases) {
    test(`${show(hostname)} is ${expected ? "accepted" : "refused"} by both`, () => {
      const route = constructsVerdict(routeWith({ hostnames: [hostname] }), "TLSRoute");
      const routeRead = normalizeObject(route.object);
      expect({ constructs: route.accepted, proxy: routeRead.status === "ok" }).toEqual({ constructs: expected, proxy: expected });
      if (routeRead.status === "ok" && routeRead.object.kind === "TLSRoute") {
        // Neither side rewrites a name: the proxy serves what the constructs wrote.
        expect(routeRead.object.value.hostnames).toEqual((route.object.spec as { hostnames: string[] }).hostnames);
      }
      if (!expected) expect(route.errors).toContain("[test/r] spec.hostnames[0]: ");
      if (routeRead.status === "invalid") expect(routeRead.error.path).toBe("spec.hostnames[0]");

      const gatewayBuild: Build = (chart) => void new PassthroughGateway(chart, "gw", { listeners: [{ name: "tls", port: 443, hostname }] });
      const gateway = constructsVerdict(gatewayBuild, "Gateway");
      const gatewayRead = normalizeObject(gateway.object);
      if (!expected) expect(gateway.errors).toContain("[test/gw] spec.listeners[0].hostname: ");
      if (gatewayRead.status === "invalid") expect(gatewayRead.error.path).toBe("spec.listeners[0].hostname");
      expect({ constructs: gateway.accepted, proxy: gatewayRead.status === "ok" }).toEqual({ constructs: expected, proxy: expected });
      if (gatewayRead.status === "ok" && gatewayRead.object.kind === "Gateway") expect(gatewayRead.object.value.listeners[0]?.hostname).toBe(hostname);
    });
  }
});
