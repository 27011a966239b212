// Seed scenario "canary": 90% of new connections to the stable release, 10% to the canary.
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { Backend, PassthroughGateway, PassthroughRoute } from "../../src/index.js";

export class CanaryChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: "default" });
    const gateway = new PassthroughGateway(this, "canary", {
      listeners: [{ name: "shop", port: 443, hostname: "shop.example.com" }],
    });
    new PassthroughRoute(this, "shop", {
      gateway,
      hostnames: ["shop.example.com"],
      backends: [
        Backend.fromServiceName("shop-stable", { port: 443, weight: 90 }),
        Backend.fromServiceName("shop-canary", { port: 443, weight: 10 }),
      ],
    });
  }
}
