// Seed scenario "multi-cluster": `app.example.com` split 50/50 between the local
// Service `app-service` and the Multi-Cluster Services ServiceImport `app-service`
// (the same Service exported from other clusters), so half of the new connections
// can reach endpoints in other clusters.
// Differs from the seed: its listener is on port 9443, not 443. The seed's fallback
// scenario routes the same `app.example.com` on 443, and dist/ is one configuration
// (Gateways of one class that share a port are one SNI table in the proxy, and the
// constructs refuse two routes claiming one hostname on one port), so one of the two
// had to move; the hostname, the backends and the weights are the seed's.
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { Backend, PassthroughGateway, PassthroughRoute } from "../../src/index.js";

/** The multi-cluster Gateway's port: 443 is the fallback scenario's for the same hostname. */
export const MULTI_CLUSTER_PORT = 9443;

export class MultiClusterChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: "default" });
    const gateway = new PassthroughGateway(this, "global", {
      listeners: [{ name: "app", port: MULTI_CLUSTER_PORT, hostname: "app.example.com" }],
    });
    new PassthroughRoute(this, "app-multi-cluster", {
      gateway,
      hostnames: ["app.example.com"],
      backends: [
        Backend.fromServiceName("app-service", { port: 443, weight: 50 }),
        Backend.fromServiceImportName("app-service", { port: 443, weight: 50 }),
      ],
    });
  }
}
