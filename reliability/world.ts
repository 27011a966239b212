// One Courier under test in file mode: the e2e scenario (a CA, an echo backend,
// `courier serve` as its own process) plus routes for the probe processes, whose
// backends run in the probes. Rows rewrite its configuration through writeConfig.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { COURIER_CLASS, gatewayManifest, routeManifest, writeScenario, type EndpointsEntry, type ListenerSpec, type RouteSpec } from "../test/helpers/manifests.ts";
import { freePort } from "../test/helpers/ports.ts";
import { startScenario, type Scenario } from "../test/helpers/scenario.ts";
import { hostPort } from "../proxy/lib/hostPort.ts";
import { startProbe, type Probe } from "./probe.ts";
import type { ProbeMode } from "./probe/probeProtocol.ts";

export const ECHO_SNI = "echo.example.com";
const PROBE_SNI: Record<ProbeMode, string> = { "ping-pong": "ping.probe.example.com", connect: "connect.probe.example.com" };
const PROBE_SERVICE: Record<ProbeMode, string> = { "ping-pong": "probe-ping", connect: "probe-connect" };

export interface World {
  readonly scenario: Scenario;
  /** The routes of the good configuration: echo and the probes'. */
  readonly routes: readonly RouteSpec[];
  /** The path of the one manifest file. */
  readonly manifestFile: string;
  /** The manifest text of the good routes plus `extra`, on these listeners (default: the one TLS listener). */
  manifestText(extra?: readonly RouteSpec[], listeners?: readonly ListenerSpec[]): string;
  /** Rewrites manifests (as manifestText) and the endpoints file. */
  writeConfig(extra?: readonly RouteSpec[], listeners?: readonly ListenerSpec[]): void;
  /** Writes raw text as the manifest file (hostile inputs). */
  writeManifestText(text: string | Uint8Array): void;
  /** Starts a probe process whose client goes through `port` (default the scenario's listener). */
  startProbe(mode: ProbeMode, port?: number): Promise<Probe>;
  close(): Promise<void>;
}

function configObjects(routes: readonly RouteSpec[], extra: readonly RouteSpec[], listeners: readonly ListenerSpec[]): object[] {
  return [COURIER_CLASS, gatewayManifest("gw", listeners), ...[...routes, ...extra].map(routeManifest)];
}

/** Objects as a multi-document YAML file, as writeScenario writes them. */
function objectsText(objects: readonly object[]): string {
  return objects.map((o) => stringify(o)).join("---\n");
}

export const DEFAULT_LISTENERS: readonly ListenerSpec[] = [{ name: "tls", port: 443 }];

export async function startWorld(proxyArgs: readonly string[]): Promise<World> {
  const probePorts: Record<ProbeMode, number> = { "ping-pong": await freePort(), connect: await freePort() };
  const probeEndpoints: EndpointsEntry[] = (Object.keys(probePorts) as ProbeMode[]).map((mode) => ({ name: PROBE_SERVICE[mode], port: 443, endpoints: [hostPort("127.0.0.1", probePorts[mode])] }));
  const routes: RouteSpec[] = [
    { name: "echo", hostnames: [ECHO_SNI], backends: [{ name: "echo", port: 443 }] },
    ...(Object.keys(probePorts) as ProbeMode[]).map((mode) => ({ name: PROBE_SERVICE[mode], hostnames: [PROBE_SNI[mode]], backends: [{ name: PROBE_SERVICE[mode], port: 443 }] })),
  ];
  const scenario = await startScenario({
    backends: [{ name: "echo", dnsNames: [ECHO_SNI] }],
    routes,
    extraEndpoints: () => probeEndpoints,
    proxyArgs,
  });
  const probeCert = scenario.pki.issue("probe", Object.values(PROBE_SNI));
  const echo = scenario.backends.get("echo")!;
  const endpoints: EndpointsEntry[] = [{ name: "echo", port: 443, endpoints: [hostPort(echo.host, echo.port)] }, ...probeEndpoints];
  const manifestFile = join(scenario.files.manifests, "all.yaml");
  return {
    scenario,
    routes,
    manifestFile,
    manifestText: (extra = [], listeners = DEFAULT_LISTENERS) => objectsText(configObjects(routes, extra, listeners)),
    writeConfig(extra = [], listeners = DEFAULT_LISTENERS) {
      writeScenario(scenario.dir, configObjects(routes, extra, listeners), endpoints);
    },
    writeManifestText(text) {
      writeFileSync(manifestFile, text);
    },
    startProbe: (mode, port = scenario.port) =>
      startProbe({ mode, sni: PROBE_SNI[mode], caFile: scenario.pki.caFile, certFile: probeCert.certFile, keyFile: probeCert.keyFile, backendPort: probePorts[mode], proxyPort: port }),
    close: () => scenario.close(),
  };
}
