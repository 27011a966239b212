// Courier's side of the benchmark: one Gateway listener and one TLSRoute per backend
// kind, written with the same helpers the end-to-end tests use.
import { COURIER_CLASS, gatewayManifest, routeManifest, writeScenario } from "../test/helpers/manifests.ts";
import { BACKEND_KINDS, sniFor, type BackendPorts } from "./routes.ts";

export function writeCourierScenario(dir: string, port: number, backends: BackendPorts): { manifests: string; endpoints: string } {
  const objects = [
    COURIER_CLASS,
    gatewayManifest("gw", [{ name: "tls", port }]),
    ...BACKEND_KINDS.map((kind) => routeManifest({ name: kind, hostnames: [sniFor(kind)], backends: [{ name: kind, port: 443 }] })),
  ];
  const endpoints = BACKEND_KINDS.map((kind) => ({ name: kind, port: 443, endpoints: [`127.0.0.1:${backends[kind]}`] }));
  return writeScenario(dir, objects, endpoints);
}
