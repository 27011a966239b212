// The proxy's own deployment, and the one GatewayClass every scenario's Gateway names;
// its Prometheus and Grafana objects go to a chart (and a file) of their own, applied
// only where the Prometheus Operator's CRDs are installed.
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { CourierProxy } from "../../src/index.js";
import { MULTI_CLUSTER_PORT } from "./multiCluster.js";

export class CourierProxyChart extends Chart {
  public constructor(scope: Construct, id: string, monitoring: Chart) {
    super(scope, id);
    // Listener ports of every scenario in this app: TLS, PostgreSQL, Redis, custom, multi-cluster.
    new CourierProxy(this, "courier", { listenerPorts: [443, 5432, 6379, 8443, MULTI_CLUSTER_PORT], monitoring: { scope: monitoring } });
  }
}
