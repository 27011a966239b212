// The admin HTTP endpoint: /healthz (the process runs), /readyz (a configuration is
// loaded), /metrics (Prometheus text) and / (what is served, for a person).
import type { Server } from "bun";
import type { HostPort } from "./cli.ts";
import { setTrafficGauges } from "../dataplane/connectionMetrics.ts";
import type { DataPlane } from "../dataplane/dataPlane.ts";
import type { Metrics } from "../lib/metrics.ts";

export interface AdminView {
  readonly ready: () => boolean;
  readonly describe: () => readonly string[];
}

export function startAdminServer(address: HostPort, metrics: Metrics, dataPlane: DataPlane, view: AdminView): Server<undefined> {
  return Bun.serve({
    hostname: address.host,
    port: address.port,
    fetch(request) {
      const path = new URL(request.url).pathname;
      switch (path) {
        case "/healthz":
          return new Response("ok\n");
        case "/readyz":
          return view.ready() ? new Response("ok\n") : new Response("no configuration loaded yet\n", { status: 503 });
        case "/metrics": {
          const { stats } = dataPlane.ctx;
          setTrafficGauges(metrics, dataPlane.activeConnections, stats.bytesUp, stats.bytesDown);
          return new Response(metrics.render(), { headers: { "content-type": "text/plain; version=0.0.4" } });
        }
        case "/":
          return new Response(`Courier\n\n${view.describe().join("\n")}\n\nopen connections: ${dataPlane.activeConnections}\n`);
        default:
          return new Response("not found\n", { status: 404 });
      }
    },
  });
}
