// Seed scenario "fallback": `app.example.com` goes to `app-service`; the maintenance
// backend gets connections only while the primary has no ready endpoint. The seed
// names only the hostname: the Services are `app-service` and `maintenance-service`,
// after the seed's `secure-service` and `database-service`.
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { Backend, PassthroughGateway, PassthroughRoute } from "../../src/index.js";

export class FallbackChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: "default" });
    const gateway = new PassthroughGateway(this, "fallback", {
      listeners: [{ name: "app", port: 443, hostname: "app.example.com" }],
    });
    new PassthroughRoute(this, "app-fallback", {
      gateway,
      hostnames: ["app.example.com"],
      backends: [Backend.fromServiceName("app-service", { port: 443 })],
      fallbackBackends: [Backend.fromServiceName("maintenance-service", { port: 443 })],
    });
  }
}
