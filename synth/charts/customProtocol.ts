// Seed scenario "custom protocol on 8443": any TLS protocol works, not only HTTPS.
// The route picks the listener by port (parentRef port 8443) instead of sectionName.
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { Backend, PassthroughGateway, PassthroughRoute } from "../../src/index.js";

export class CustomProtocolChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: "default" });
    const gateway = new PassthroughGateway(this, "custom", {
      listeners: [{ name: "telemetry", port: 8443 }],
    });
    new PassthroughRoute(this, "telemetry", {
      gateway,
      port: 8443,
      hostnames: ["telemetry.example.com"],
      backends: [Backend.fromServiceName("telemetry-collector", { port: 8443 })],
    });
  }
}
