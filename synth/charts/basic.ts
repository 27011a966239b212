// Seed scenario "basic route", as the seed writes it: Gateway `tls-gateway` with one TLS
// Passthrough listener on 443 (no hostname of its own), and a TLSRoute sending
// `secure.example.com` to `secure-service:443`; TLS is left to the backend. The seed
// does not name the listener or the route: they are `tls` and `secure` here.
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { Backend, PassthroughGateway, PassthroughRoute } from "../../src/index.js";

export class BasicChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: "default" });
    const gateway = new PassthroughGateway(this, "tls-gateway", {
      listeners: [{ name: "tls", port: 443 }],
    });
    new PassthroughRoute(this, "secure", {
      gateway,
      hostnames: ["secure.example.com"],
      backends: [Backend.fromServiceName("secure-service", { port: 443 })],
    });
  }
}
