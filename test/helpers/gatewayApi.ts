// Upstream Gateway API files for tests, at the version pinned in scripts/versions.env,
// from the Go module cache (fetched on first use): tests never depend on files
// outside the repository that a fresh clone would not have.
import { join } from "node:path";
import { gatewayApiConformanceDir, gatewayApiDir, pinnedVersion } from "../../scripts/goModules.ts";

export const GATEWAY_API_VERSION = pinnedVersion("GATEWAY_API_VERSION");

/** Path of a conformance scenario manifest, e.g. "tlsroute-simple-same-namespace.yaml" (conformance/tests/). */
export function conformanceTestFile(name: string): string {
  return join(gatewayApiConformanceDir(), "tests", name);
}

/** Path of the conformance suite's base manifests (conformance/base/manifests.yaml). */
export function conformanceBaseFile(): string {
  return join(gatewayApiConformanceDir(), "base", "manifests.yaml");
}

/** Path of a standard-channel CRD, e.g. "gateway.networking.k8s.io_gatewayclasses.yaml". */
export function standardCrdFile(name: string): string {
  return join(gatewayApiDir(), "config", "crd", "standard", name);
}
