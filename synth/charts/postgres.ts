// Seed scenario "PostgreSQL": the database lives in namespace `database`, the shared
// database Gateway in `gateway-system` admits routes from all namespaces. Sessions
// idle for long stretches, hence the long idle timeout and TCP keepalive.
import { Chart } from "cdk8s";
import { Namespace } from "cdk8s-plus-33";
import type { Construct } from "constructs";
import { AllowedRoutes, Backend, PassthroughGateway, PassthroughRoute } from "../../src/index.js";

export class PostgresChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id);
    new Namespace(this, "namespace-gateway-system", { metadata: { name: "gateway-system" } });
    new Namespace(this, "namespace-database", { metadata: { name: "database" } });
    const gateway = new PassthroughGateway(this, "databases", {
      namespace: "gateway-system",
      listeners: [{ name: "postgres", port: 5432, allowedRoutes: AllowedRoutes.allNamespaces() }],
    });
    new PassthroughRoute(this, "postgres", {
      namespace: "database",
      gateway,
      sectionName: "postgres",
      hostnames: ["postgres.database.svc.cluster.local"],
      backends: [Backend.fromServiceName("postgres", { port: 5432 })],
      idleTimeout: "2h",
      tcpKeepalive: "30s",
    });
  }
}
