// The control plane is a real kube-apiserver with the Gateway API schema active:
// readiness, kubectl explain from published OpenAPI, and CEL validation rules.
import { beforeAll, describe, expect, test } from "bun:test";
import { type Cluster, useCluster } from "../helpers/cluster.ts";

let cluster: Cluster;
// A cold build of the control plane happens here when the runner did not do it.
beforeAll(async () => {
  cluster = await useCluster();
}, 30 * 60_000);

function tlsRoute(name: string, namespace: string, hostname: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  parentRefs: [{name: edge}]
  hostnames: ["${hostname}"]
  rules:
  - backendRefs: [{name: backend, port: 443}]
`;
}

describe("control plane", () => {
  test("kubectl get --raw /readyz answers ok", async () => {
    const result = await cluster.kubectl(["get", "--raw", "/readyz"]);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("ok");
  });

  test("kubectl explain tlsroute.spec reads the published v1 schema", async () => {
    const result = await cluster.kubectl(["explain", "tlsroute.spec"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("VERSION:    v1");
    expect(result.stdout).toContain("hostnames");
    expect(result.stdout).toContain("parentRefs");
  });

  test("a TLSRoute with a DNS hostname passes server-side validation", async () => {
    const out = await cluster.apply(tlsRoute("valid", "default", "db.example.com"), { dryRun: true });
    expect(out).toContain("tlsroute.gateway.networking.k8s.io/valid serverside-applied (server dry run)");
  });

  test("a TLSRoute whose hostname is an IP address is rejected by CEL validation", async () => {
    const error = await cluster.apply(tlsRoute("by-ip", "default", "10.1.2.3"), { dryRun: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toContain("Hostnames cannot contain an IP");
  });

  test("the kubernetes RBAC authorizer is on: an unknown user is refused", async () => {
    // Any request without credentials is system:anonymous, which may only read health endpoints.
    const response = await fetch(`${cluster.server}/api/v1/namespaces`, { tls: { ca: await Bun.file(cluster.caFile).text() } });
    expect(response.status).toBe(403);
  });
});
