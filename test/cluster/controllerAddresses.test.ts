// Gateway addresses and Programmed as a pod's Courier reports them: with
// --address-service (what CourierProxy passes) a Gateway reports its proxy
// Service's cluster IP, then its load-balancer ingress once one is assigned, and
// `kubectl get gateway` shows it. A listener whose socket cannot be bound leaves
// the Gateway Programmed=False until the port is free, then it recovers by itself.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import { type Cluster, useCluster } from "../helpers/cluster.ts";
import { applyScenario } from "../helpers/clusterScenario.ts";
import { type ClusterProxy, deleteTestObjects, eventually, gatewayClassYaml, gatewayYaml, getObject, holdListenerPort, listenersOf, startClusterProxy, summary, waitObjectCondition } from "./controllerKit.ts";

const ns = `ctl-addresses-${process.pid}`;
let cluster: Cluster;
let proxy: ClusterProxy | undefined;
let squatter: TCPSocketListener<undefined> | undefined;

const proxyServiceYaml = `apiVersion: v1
kind: Service
metadata: {name: courier, namespace: ${ns}}
spec:
  type: LoadBalancer
  selector: {app: courier}
  ports: [{name: tls-443, port: 443, targetPort: 443}]
`;

async function kubectl(...args: string[]): Promise<string> {
  const result = await cluster.kubectl(["-n", ns, ...args]);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

async function gatewayAddresses(name: string): Promise<string> {
  return (await kubectl("get", "gateway", name, "-o", "jsonpath={.status.addresses[*].value}")).trim();
}

beforeAll(async () => {
  cluster = await useCluster();
  await applyScenario(cluster, [ns], [gatewayClassYaml(), proxyServiceYaml, gatewayYaml(ns, "edge")]);
  proxy = await startClusterProxy(cluster.kubeconfig, { leaseNamespace: ns, extra: ["--address-service", `${ns}/courier`] });
}, 10 * 60_000);

afterAll(async () => {
  squatter?.stop(true);
  await proxy?.process.stop();
  if (cluster !== undefined) await deleteTestObjects(cluster, ns);
});

describe("Gateway addresses from the proxy's Service", () => {
  test("the cluster IP first, the load-balancer ingress once assigned; kubectl get gateway shows it", async () => {
    const clusterIP = (await kubectl("get", "service", "courier", "-o", "jsonpath={.spec.clusterIP}")).trim();
    expect(clusterIP).toMatch(/^[\d.]+$/);
    await eventually("edge reports the cluster IP", async () => ((await gatewayAddresses("edge")) === clusterIP ? true : undefined));
    await waitObjectCondition(cluster, "gateway", ns, "edge", "Programmed", "True/Programmed");

    // What MetalLB or a cloud provider does once it has an address for the Service.
    await kubectl("patch", "service", "courier", "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: "203.0.113.41" }] } } }));
    await eventually("edge reports the load-balancer address", async () => ((await gatewayAddresses("edge")) === "203.0.113.41" ? true : undefined));
    const table = await kubectl("get", "gateway", "edge");
    expect(table.split("\n")[0]).toContain("ADDRESS");
    expect(table.split("\n")[1]).toContain("203.0.113.41");
  }, 60_000);
});

describe("a listener that cannot bind", () => {
  test("makes its Gateway Programmed=False/Pending, and it recovers once the port is free", async () => {
    const held = holdListenerPort(proxy!);
    squatter = held.squatter;
    const listenerPort = held.listenerPort;
    await cluster.apply(gatewayYaml(ns, "blocked", { port: listenerPort }));
    const blocked = await waitObjectCondition(cluster, "gateway", ns, "blocked", "Programmed", "False/Pending");
    const programmed = (blocked.status?.conditions as { type: string; message: string }[]).find((c) => c.type === "Programmed")!;
    expect(programmed.message).toContain(`cannot listen on 127.0.0.1:${proxy!.port(listenerPort)}`);
    expect(summary(listenersOf(blocked)[0]?.conditions).Programmed).toBe("False/Pending");
    // The other Gateway is untouched.
    expect(summary((await getObject(cluster, "gateway", ns, "edge"))?.status?.conditions).Programmed).toBe("True/Programmed");

    squatter!.stop(true);
    squatter = undefined;
    const started = Date.now();
    const recovered = await waitObjectCondition(cluster, "gateway", ns, "blocked", "Programmed", "True/Programmed");
    expect(summary(listenersOf(recovered)[0]?.conditions).Programmed).toBe("True/Programmed");
    console.log(`blocked listener programmed ${Date.now() - started} ms after its port was freed`);
  }, 60_000);
});
