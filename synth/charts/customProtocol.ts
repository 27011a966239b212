// Seed scenario "custom protocol on 8443": any TLS protocol works, not only HTTPS;
// `custom.example.com` on port 8443. The route picks the listener by port (parentRef
// port 8443) instead of sectionName. The seed names only the hostname and the port: the
// Service is `custom-service`, after the seed's `secure-service` and `database-service`.
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { Backend, PassthroughGateway, PassthroughRoute } from "../../src/index.js";

export class CustomProtocolChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: "default" });
    const gateway = new PassthroughGateway(this, "custom", {
      listeners: [{ name: "custom", port: 8443 }],
    });
    new PassthroughRoute(this, "custom-route", {
      name: "custom",
      gateway,
      port: 8443,
      hostnames: ["custom.example.com"],
      backends: [Backend.fromServiceName("custom-service", { port: 8443 })],
    });
  }
}
