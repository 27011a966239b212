// Seed scenario "basic route": one hostname, one Service, TLS left to the backend.
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { Backend, PassthroughGateway, PassthroughRoute } from "../../src/index.js";

export class BasicChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: "default" });
    const gateway = new PassthroughGateway(this, "basic", {
      listeners: [{ name: "secure", port: 443, hostname: "secure.example.com" }],
    });
    new PassthroughRoute(this, "secure", {
      gateway,
      hostnames: ["secure.example.com"],
      backends: [Backend.fromServiceName("secure-service", { port: 443 })],
    });
  }
}
