// Seed scenario "multi-hostname": an exact name and a wildcard, each with its own
// backend. A v1 TLSRoute has one rule, so the route set writes one TLSRoute per group.
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { Backend, PassthroughGateway, PassthroughRouteSet } from "../../src/index.js";

export class MultiHostnameChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: "default" });
    const gateway = new PassthroughGateway(this, "multi", {
      listeners: [
        { name: "api", port: 443, hostname: "api.example.com" },
        { name: "internal", port: 443, hostname: "*.internal.example.com" },
      ],
    });
    new PassthroughRouteSet(this, "routes", {
      name: "multi",
      gateway,
      groups: [
        { name: "api", hostnames: ["api.example.com"], backends: [Backend.fromServiceName("api-service", { port: 443 })] },
        { name: "internal", hostnames: ["*.internal.example.com"], backends: [Backend.fromServiceName("internal-service", { port: 443 })] },
      ],
    });
  }
}
