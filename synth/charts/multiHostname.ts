// Seed scenario "multi-hostname": several hostnames on one Gateway, each with its own
// backend: `api.example.com` -> `api-service:443`, the seed's `db.example.com` ->
// `database-service:5432`, and the wildcard `*.internal.example.com` ->
// `internal-service:443`.
// Differs from the seed: the seed writes all of them as one TLSRoute whose rules pick
// a backend by SNI (`rules[].matches[].snis`), which is not Gateway API (a TLSRoute rule
// has no matches, and a v1 TLSRoute has exactly one rule). So the route set writes one
// TLSRoute per hostname group, multi-api, multi-db and multi-internal, which route
// the same SNI names to the same backends.
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { Backend, PassthroughGateway, PassthroughRouteSet } from "../../src/index.js";

export class MultiHostnameChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: "default" });
    const gateway = new PassthroughGateway(this, "multi", {
      listeners: [
        { name: "api", port: 443, hostname: "api.example.com" },
        { name: "db", port: 443, hostname: "db.example.com" },
        { name: "internal", port: 443, hostname: "*.internal.example.com" },
      ],
    });
    new PassthroughRouteSet(this, "routes", {
      name: "multi",
      gateway,
      groups: [
        { name: "api", hostnames: ["api.example.com"], backends: [Backend.fromServiceName("api-service", { port: 443 })] },
        { name: "db", hostnames: ["db.example.com"], backends: [Backend.fromServiceName("database-service", { port: 5432 })] },
        { name: "internal", hostnames: ["*.internal.example.com"], backends: [Backend.fromServiceName("internal-service", { port: 443 })] },
      ],
    });
  }
}
