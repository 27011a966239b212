// Seed scenario "Redis": Gateway and route together in namespace `cache`, so the
// listener admits only its own namespace (from: Same).
import { Chart } from "cdk8s";
import { Namespace } from "cdk8s-plus-33";
import type { Construct } from "constructs";
import { AllowedRoutes, Backend, PassthroughGateway, PassthroughRoute } from "../../src/index.js";

export class RedisChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: "cache" });
    new Namespace(this, "namespace-cache", { metadata: { name: "cache" } });
    const gateway = new PassthroughGateway(this, "redis", {
      listeners: [{ name: "redis", port: 6379, allowedRoutes: AllowedRoutes.sameNamespace() }],
    });
    new PassthroughRoute(this, "redis-route", {
      name: "redis",
      gateway,
      sectionName: "redis",
      hostnames: ["redis.cache.svc.cluster.local"],
      backends: [Backend.fromServiceName("redis", { port: 6379 })],
      idleTimeout: "1h",
    });
  }
}
