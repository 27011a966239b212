// Seed scenario "multi-cluster": the backend is a Multi-Cluster Services ServiceImport,
// so connections can reach endpoints exported from other clusters.
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { Backend, PassthroughGateway, PassthroughRoute } from "../../src/index.js";

export class MultiClusterChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: "default" });
    const gateway = new PassthroughGateway(this, "global", {
      listeners: [{ name: "inventory", port: 443, hostname: "inventory.example.com" }],
    });
    new PassthroughRoute(this, "inventory", {
      gateway,
      hostnames: ["inventory.example.com"],
      backends: [Backend.fromServiceImportName("inventory", { port: 443 })],
    });
  }
}
