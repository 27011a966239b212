// Courier's side of the benchmark: one Gateway listener and one TLSRoute per route
// entry, written with the same helpers the end-to-end tests use.
import { COURIER_CLASS, gatewayManifest, routeManifest, writeScenario } from "../test/helpers/manifests.ts";

export interface RouteEntry {
  /** Route and Service name. */
  readonly name: string;
  readonly sni: string;
  /** The backend's port on 127.0.0.1. */
  readonly port: number;
}

export function writeCourierScenario(dir: string, port: number, routes: readonly RouteEntry[]): { manifests: string; endpoints: string } {
  const objects = [
    COURIER_CLASS,
    gatewayManifest("gw", [{ name: "tls", port }]),
    ...routes.map((r) => routeManifest({ name: r.name, hostnames: [r.sni], backends: [{ name: r.name, port: 443 }] })),
  ];
  const endpoints = routes.map((r) => ({ name: r.name, port: 443, endpoints: [`127.0.0.1:${r.port}`] }));
  return writeScenario(dir, objects, endpoints);
}
