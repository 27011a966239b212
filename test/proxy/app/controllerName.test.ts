// --controller-name: a Courier serves only the GatewayClasses that name it, and its
// route status entries carry its name. File mode end to end from the command line:
// parseServeArgs -> the file source -> the planner -> the route tables.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COURIER_CONTROLLER_NAME } from "../../../contract/index.ts";
import { parseServeArgs, type ServeOptions } from "../../../proxy/app/cli.ts";
import { planner } from "../../../proxy/app/planner.ts";
import { buildRouteTable, lookupRoute } from "../../../proxy/dataplane/routeTable.ts";
import type { Plan } from "../../../proxy/model/plan.ts";
import { loadFileSnapshot } from "../../../proxy/sources/file/fileSource.ts";
import { statusLeaseName } from "../../../proxy/status/statusSync.ts";
import { mergedRouteStatus } from "../../../proxy/status/statusMerge.ts";

const OTHER = "example.com/second-courier";
const dir = mkdtempSync(join(tmpdir(), "courier-controller-name-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two classes, one per controller; a Gateway and a route on each, on different ports. */
const manifests = join(dir, "manifests");
mkdirSync(manifests);
const pair = (className: string, controllerName: string, port: number, hostname: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: ${className}}
spec: {controllerName: ${controllerName}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${className}-gw, namespace: default}
spec:
  gatewayClassName: ${className}
  listeners: [{name: tls, protocol: TLS, port: ${port}, tls: {mode: Passthrough}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: ${className}-route, namespace: default}
spec:
  parentRefs: [{name: ${className}-gw}]
  hostnames: [${hostname}]
  rules: [{backendRefs: [{name: app, port: 443}]}]
`;
writeFileSync(join(manifests, "first.yaml"), pair("first", COURIER_CONTROLLER_NAME, 443, "first.example.com"));
writeFileSync(join(manifests, "second.yaml"), pair("second", OTHER, 8443, "second.example.com"));

function options(args: string[]): ServeOptions {
  const parsed = parseServeArgs(["--manifests", manifests, ...args]);
  if (!("options" in parsed)) throw new Error(parsed.error);
  return parsed.options;
}

async function planFor(args: string[]): Promise<Plan> {
  const serveOptions = options(args);
  const { snapshot, errors } = await loadFileSnapshot(serveOptions);
  expect(errors).toEqual([]);
  return planner(serveOptions, true)(snapshot);
}

/** "port hostname" for every SNI the Plan routes. */
function served(plan: Plan): string[] {
  return plan.ports.flatMap((port) => port.hosts.map((host) => `${port.port} ${host.hostname}`));
}

describe("--controller-name", () => {
  test("default: only the class with courier.dev/gateway-controller is served", async () => {
    const plan = await planFor([]);
    expect(served(plan)).toEqual(["443 first.example.com"]);
    expect(plan.gatewayClasses.map((c) => c.key.name)).toEqual(["first"]);
    expect(plan.gateways.map((g) => g.key.name)).toEqual(["first-gw"]);
    expect(plan.routes.flatMap((r) => r.parents.map((p) => `${r.key.name} ${p.controllerName}`))).toEqual([`first-route ${COURIER_CONTROLLER_NAME}`]);
  });

  test("another name: only that class is served, and status entries carry that name", async () => {
    const plan = await planFor(["--controller-name", OTHER]);
    expect(served(plan)).toEqual(["8443 second.example.com"]);
    expect(plan.gatewayClasses.map((c) => c.key.name)).toEqual(["second"]);
    expect(plan.gateways.map((g) => g.key.name)).toEqual(["second-gw"]);
    expect(plan.routes.flatMap((r) => r.parents.map((p) => `${r.key.name} ${p.controllerName}`))).toEqual([`second-route ${OTHER}`]);
    const port = plan.ports.find((p) => p.port === 8443)!;
    expect(lookupRoute(buildRouteTable(port.hosts), "second.example.com")?.id).toBe("default/second-route");
    expect(plan.ports.some((p) => p.port === 443)).toBe(false);
  });

  test("the status merge touches only entries with its own name, so two Couriers share a route's status.parents", () => {
    const first = { parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "first-gw" }, controllerName: COURIER_CONTROLLER_NAME, conditions: [] };
    const stale = { parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "gone" }, controllerName: OTHER, conditions: [] };
    expect(mergedRouteStatus({ parents: [first, stale] }, "default", undefined, "t", OTHER)).toEqual({ parents: [first] });
  });

  test("a name that cannot be a controllerName is refused at start", () => {
    expect(parseServeArgs(["--controller-name", "courier"])).toEqual({ error: '--controller-name: a controllerName is a lowercase domain, "/", then a path (e.g. courier.dev/gateway-controller), not "courier"' });
    expect(parseServeArgs(["--controller-name", `example.com/${"x".repeat(250)}`])).toEqual({ error: "--controller-name: a controllerName has at most 253 characters, not 262" });
  });

  test("each controller name elects its status writer on its own Lease", () => {
    expect(statusLeaseName(COURIER_CONTROLLER_NAME)).toBe("courier-status-writer");
    const other = statusLeaseName(OTHER);
    expect(other).toMatch(/^courier-status-writer-example-com-second-courier-[0-9a-f]{8}$/);
    // Names that read alike still get different Leases.
    expect(statusLeaseName("example.com/second.courier")).not.toBe(other);
    expect(statusLeaseName(`example.com/${"a".repeat(240)}`).length).toBeLessThanOrEqual(63);
  });
});
