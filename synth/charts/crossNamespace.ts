// Seed scenario "cross-namespace backend": the route lives with the Gateway in `web`,
// the Service in `payments`; the route generates the ReferenceGrant that admits it.
import { Chart } from "cdk8s";
import { Namespace } from "cdk8s-plus-33";
import type { Construct } from "constructs";
import { Backend, PassthroughGateway, PassthroughRoute, ReferenceGrantPolicy } from "../../src/index.js";

export class CrossNamespaceChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id);
    new Namespace(this, "namespace-web", { metadata: { name: "web" } });
    new Namespace(this, "namespace-payments", { metadata: { name: "payments" } });
    const gateway = new PassthroughGateway(this, "web", {
      namespace: "web",
      listeners: [{ name: "billing", port: 443, hostname: "billing.example.com" }],
    });
    new PassthroughRoute(this, "billing", {
      namespace: "web",
      gateway,
      hostnames: ["billing.example.com"],
      backends: [Backend.fromServiceName("billing", { port: 8443, namespace: "payments" })],
      referenceGrants: ReferenceGrantPolicy.CREATE,
    });
  }
}
