// The two HTTP endpoints of `courier serve`:
// - admin (default 127.0.0.1:9090 in every mode): the status page, /metrics,
//   /healthz, /readyz; it lists endpoint addresses and client connections, so it is
//   on loopback unless configured, with an optional bearer token for remote access;
// - probe (0.0.0.0:9091 in a pod): /healthz, /readyz and /metrics only, for kubelet
//   and Prometheus, which reach the pod's address. Metrics name routes and backends
//   (as Gateway API status does), never endpoint addresses or clients.
// /readyz fails as soon as draining starts, so endpoints drop the pod before its
// listeners close.
import type { Server } from "bun";
import { renderAdminPage, type AdminStatus } from "./adminPage.ts";
import type { HostPort } from "./cli.ts";
import { startEndpoint, type Route } from "./httpEndpoint.ts";

export interface AdminView {
  /** A configuration is loaded. */
  readonly ready: () => boolean;
  /** SIGTERM was received: connections are draining. */
  readonly draining: () => boolean;
  readonly status: () => Promise<AdminStatus>;
  /** The Prometheus text exposition of this process, data-plane workers included. */
  readonly metrics: () => Promise<string>;
}

function plain(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function probeRoutes(metricsContentType: string, view: AdminView): Record<string, Route> {
  return {
    "/healthz": () => plain(200, "ok\n"),
    "/readyz": () => (view.draining() ? plain(503, "draining\n") : view.ready() ? plain(200, "ok\n") : plain(503, "no configuration loaded yet\n")),
    "/metrics": async () => new Response(await view.metrics(), { headers: { "content-type": metricsContentType } }),
  };
}

export function startAdminServer(address: HostPort, tokenFile: string | undefined, metricsContentType: string, view: AdminView): Server<undefined> {
  return startEndpoint({
    name: "admin endpoint (--admin)",
    address,
    ...(tokenFile === undefined ? {} : { tokenFile }),
    routes: {
      ...probeRoutes(metricsContentType, view),
      "/": async () => new Response(renderAdminPage(await view.status()), { headers: { "content-type": "text/html; charset=utf-8" } }),
    },
  });
}

export function startProbeServer(address: HostPort, metricsContentType: string, view: AdminView): Server<undefined> {
  return startEndpoint({ name: "probe endpoint (--probe-address)", address, routes: probeRoutes(metricsContentType, view) });
}
