// Seed scenario "fallback": the maintenance backend gets connections only while the
// primary has no ready endpoint.
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { Backend, PassthroughGateway, PassthroughRoute } from "../../src/index.js";

export class FallbackChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: "default" });
    const gateway = new PassthroughGateway(this, "fallback", {
      listeners: [{ name: "status", port: 443, hostname: "status.example.com" }],
    });
    new PassthroughRoute(this, "status", {
      gateway,
      hostnames: ["status.example.com"],
      backends: [Backend.fromServiceName("status-primary", { port: 443 })],
      fallbackBackends: [Backend.fromServiceName("status-maintenance", { port: 443 })],
    });
  }
}
