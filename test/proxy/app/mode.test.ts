// Which mode `courier serve` runs in, and the reason it logs: cluster mode whenever a
// cluster configuration is found (--kubeconfig, KUBECONFIG, ~/.kube/config, a pod),
// file mode when --manifests asks for it or nothing is found.
import { describe, expect, test } from "bun:test";
import { chooseMode, type ModeFlags } from "../../../proxy/app/mode.ts";
import { SERVICE_ACCOUNT_DIR } from "../../../proxy/kubeapi/kubeconfigLocation.ts";

const none: ModeFlags = { kubeconfig: undefined, context: undefined, manifestsGiven: false };
const files = new Set(["/k/a", "/k/b", "/home/me/.kube/config", `${SERVICE_ACCOUNT_DIR}/token`]);
const exists = (path: string): boolean => files.has(path);
const pod = { KUBERNETES_SERVICE_HOST: "10.96.0.1" };

function mode(flags: Partial<ModeFlags>, env: Record<string, string> = {}, home = "/nowhere", existsFn = exists): unknown {
  const chosen = chooseMode({ ...none, ...flags }, env, existsFn, home);
  if ("error" in chosen) return chosen;
  return chosen.kind === "files" ? { files: chosen.why } : { location: chosen.location, context: chosen.context, why: chosen.why };
}

describe("mode selection", () => {
  test("--kubeconfig wins over everything; a missing file is an error", () => {
    expect(mode({ kubeconfig: "/k/a" }, { KUBECONFIG: "/k/b" }, "/home/me")).toEqual({ location: { kind: "files", files: ["/k/a"], origin: "--kubeconfig" }, context: undefined, why: "--kubeconfig /k/a" });
    expect(mode({ kubeconfig: "/k/missing" })).toEqual({ error: "--kubeconfig /k/missing: no such file" });
    expect(mode({ kubeconfig: "in-cluster" }, pod)).toMatchObject({ location: { kind: "in-cluster" } });
  });

  test("KUBECONFIG: every existing file, merged, in order; missing ones skipped; none existing is an error", () => {
    expect(mode({ context: "ci" }, { KUBECONFIG: "/k/a::/k/b" }, "/home/me")).toEqual({ location: { kind: "files", files: ["/k/a", "/k/b"], origin: "KUBECONFIG" }, context: "ci", why: "KUBECONFIG=/k/a:/k/b (2 files merged)" });
    expect(mode({}, { KUBECONFIG: "/k/gone:/k/b" })).toMatchObject({ location: { files: ["/k/b"] }, why: "KUBECONFIG=/k/b (1 missing file(s) skipped)" });
    expect(mode({}, { KUBECONFIG: "/k/gone" })).toEqual({ error: "KUBECONFIG=/k/gone names no existing file" });
  });

  test("then ~/.kube/config, then the pod's service account", () => {
    expect(mode({}, pod, "/home/me")).toMatchObject({ location: { kind: "files", files: ["/home/me/.kube/config"], origin: "~/.kube/config" } });
    expect(mode({}, pod)).toMatchObject({ location: { kind: "in-cluster" }, why: "in a pod (KUBERNETES_SERVICE_HOST is set): the pod's service account" });
    expect(mode({}, pod, "/nowhere", () => false)).toMatchObject({ error: expect.stringContaining("automountServiceAccountToken: false?") });
  });

  test("file mode when --manifests is given or nothing is found; the reason says which", () => {
    expect(mode({ manifestsGiven: true }, { KUBECONFIG: "/k/a", ...pod }, "/home/me")).toEqual({ files: "--manifests given" });
    expect(mode({})).toEqual({ files: "no --kubeconfig, KUBECONFIG unset, no /nowhere/.kube/config, not in a pod" });
  });

  test("contradictions are refused", () => {
    expect(mode({ manifestsGiven: true, kubeconfig: "/k/a" })).toEqual({ error: "--manifests (file mode) and --kubeconfig (cluster mode) exclude each other" });
    expect(mode({ context: "ci" })).toMatchObject({ error: expect.stringContaining("--context ci: no kubeconfig found") });
    expect(mode({ context: "ci" }, pod)).toMatchObject({ error: expect.stringContaining("in-cluster configuration has no contexts") });
  });
});
