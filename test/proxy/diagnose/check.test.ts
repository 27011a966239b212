// `courier check`: the manifests are loaded by the file source's own loader (schema
// errors included), translated as file mode would, and every problem is printed with
// file, object, field and a fix. dist/ passes; the seed's route and a broken fixture
// do not.
import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { cliIo } from "../../../proxy/app/cliIo.ts";
import { runCli } from "../../../proxy/app/commands.ts";

const root = resolve(import.meta.dir, "../../..");
const fixtures = join(import.meta.dir, "fixtures");

async function check(...argv: string[]): Promise<{ code: number | "serving"; lines: string[]; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(["check", ...argv], cliIo({}, (t) => void (out += t), (t) => void (err += t)));
  return { code, lines: out.trimEnd().split("\n"), err };
}

describe("courier check", () => {
  test("dist/ as synthesized: no errors, no warnings, exit 0 (Services are cluster state, said once)", async () => {
    const result = await check(join(root, "dist"));
    expect(result.code).toBe(0);
    expect(result.lines.filter((line) => /^(ERROR|WARN)/.test(line))).toEqual([]);
    expect(result.lines.at(-1)).toMatch(/^courier check: 1 GatewayClasses, \d+ Gateways, \d+ TLSRoutes, \d+ ReferenceGrants read: 0 errors, 0 warnings$/);
    expect(result.lines.some((line) => line.startsWith("note: ") && line.includes("--endpoints"))).toBe(true);
  });

  test("single files of dist/ too; a Gateway whose class is in another file is a warning, not an error", async () => {
    const result = await check(join(root, "dist/basic.k8s.yaml"));
    expect(result.code).toBe(0);
    expect(result.lines[0]).toBe(`WARN  Gateway default/tls-gateway (${join(root, "dist/basic.k8s.yaml")}#1): spec.gatewayClassName: GatewayClass courier not found; taken as Courier's`);
  });

  test("the seed's multi-hostname TLSRoute: refused by the CRD schema, with the field and the fix", async () => {
    const result = await check(join(fixtures, "seed.yaml"), join(root, "dist/courier-proxy.k8s.yaml"));
    expect(result.code).toBe(1);
    expect(result.lines).toContain(
      `ERROR TLSRoute default/multi-hostname-route (${join(fixtures, "seed.yaml")}#2): spec.rules[0].matches: unknown field; TLSRoute has no matches; put the names in spec.hostnames and use one TLSRoute per hostname group`,
    );
  });

  test("Gateway API semantics: conflicts, listeners not served, routes not accepted, references not resolved", async () => {
    const file = join(fixtures, "check/broken.yaml");
    const result = await check(file, "--endpoints", join(fixtures, "checkEndpoints.yaml"));
    expect(result.code).toBe(1);
    const expected: [string, string][] = [
      [`ERROR Gateway default/gw (${file}#2): spec.listeners[0]: listener tls: listeners tls, tls2 share port 443 and hostname *.example.com`, "give each listener on this port a hostname of its own, or merge them into one"],
      [`ERROR Gateway default/gw (${file}#2): spec.listeners[2]: listener http: protocol HTTP is not supported: Courier serves only protocol TLS with tls.mode Passthrough`, "Courier serves protocol: TLS with tls.mode: Passthrough; serve other protocols with another GatewayClass"],
      [`ERROR TLSRoute default/xns (${file}#4): spec.parentRefs[0]: not accepted by Gateway default/gw: Gateway default/gw has no listener named nope`, "set sectionName/port to a listener of Gateway default/gw (tls, tls2, http), or leave them out"],
      [
        `ERROR TLSRoute default/xns (${file}#4): spec.rules[0].backendRefs[0]: Service other/svc:443: no ReferenceGrant in namespace other allows TLSRoute references from namespace default`,
        'add a ReferenceGrant in namespace other with from {group: gateway.networking.k8s.io, kind: TLSRoute, namespace: default} and to {group: "", kind: Service, name: svc}',
      ],
      [`ERROR TLSRoute default/good (${file}#5): spec.rules[0].backendRefs[1]: Service default/missing:443: Service not found`, "create Service default/missing with port 443, or correct the backendRef's name, namespace and port"],
      [`ERROR TLSRoute default/nogw (${file}#7): spec.parentRefs[0]: parent Gateway default/gw-typo not found`, "correct the parentRef's name and namespace, or add the Gateway"],
    ];
    for (const [line, fix] of expected) {
      const at = result.lines.indexOf(line);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(result.lines[at + 1]).toBe(`      fix: ${fix}`);
    }
    expect(result.lines.at(-1)).toBe("courier check: 1 GatewayClasses, 1 Gateways, 5 TLSRoutes, 0 ReferenceGrants read: 12 errors, 0 warnings");
  });

  test("a hostname another route wins is a warning on the loser's hostname", async () => {
    const result = await check(join(fixtures, "explain"), "--endpoints", join(fixtures, "explainEndpoints.yaml"));
    expect(result.lines).toContain(`WARN  TLSRoute infra/shop-copy (${join(fixtures, "explain/world.yaml")}#7): spec.hostnames[0]: hostname shop.apps.example.com on 0.0.0.0:443 is served by route infra/shop, which takes precedence`);
    expect(result.lines).toContain(`ERROR TLSRoute team/team-shop (${join(fixtures, "explain/world.yaml")}#9): spec.parentRefs[0]: not accepted by Gateway infra/edge: listener apps does not allow routes from namespace team (from: Same)`);
    expect(result.lines).toContain(`WARN  TLSRoute infra/dark (${join(fixtures, "explain/world.yaml")}#12): spec.rules[0].backendRefs: every backendRef has weight 0: every connection is refused`);
  });

  test("as a process, on dist/: exit 0", () => {
    const run = Bun.spawnSync([join(root, "node_modules/.bin/bun"), join(root, "proxy/bin/courier.ts"), "check", "dist"], { cwd: root });
    expect(run.exitCode).toBe(0);
    expect(run.stdout.toString()).toContain("0 errors, 0 warnings");
  });
});
