// A route's backendRef -> a PlannedBackend: where its share of connections goes, or
// why that share is refused.

import { RouteReason } from "./conditions.ts";
import { endpointAddresses } from "./backendEndpoints.ts";
import type { PlannedBackend } from "../model/plan.ts";
import { isReferencePermitted } from "./referenceGrants.ts";
import { GATEWAY_API_GROUP, MCS_API_GROUP } from "../../contract/index.ts";
import type { BackendRef, EndpointSlice, ServicePort, TLSRoute } from "../model/snapshot.ts";
import { namespacedKey, type SnapshotIndex } from "./snapshotIndex.ts";

export interface BackendProblem {
  /** A route ResolvedRefs reason. */
  readonly reason: string;
  readonly message: string;
}

export interface ResolvedBackend {
  readonly planned: PlannedBackend;
  readonly problem?: BackendProblem;
}

function describeRef(ref: BackendRef, namespace: string): string {
  const kind = ref.group === "" ? ref.kind : `${ref.kind}.${ref.group}`;
  return `${kind} ${namespace}/${ref.name}${ref.port === undefined ? "" : `:${ref.port}`}`;
}

function invalid(name: string, weight: number, reason: string, message: string): ResolvedBackend {
  return { planned: { name, weight, invalidReason: message }, problem: { reason, message } };
}

/**
 * Check order matters for what a user is told: an unsupported kind first, then the
 * ReferenceGrant (so a refused cross-namespace reference reveals nothing about the
 * target), then existence, then the port.
 */
export function resolveBackendRef(route: TLSRoute, ref: BackendRef, index: SnapshotIndex): ResolvedBackend {
  const namespace = ref.namespace ?? route.meta.namespace;
  const name = describeRef(ref, namespace);
  const isService = ref.group === "" && ref.kind === "Service";
  const isServiceImport = ref.group === MCS_API_GROUP && ref.kind === "ServiceImport";
  if (!isService && !isServiceImport) {
    return invalid(name, ref.weight, RouteReason.InvalidKind, `${name}: unsupported backend kind (Courier supports Service and ${MCS_API_GROUP} ServiceImport)`);
  }
  const permitted = isReferencePermitted(
    index.referenceGrants,
    { group: GATEWAY_API_GROUP, kind: "TLSRoute", namespace: route.meta.namespace },
    { group: ref.group, kind: ref.kind, namespace, name: ref.name },
  );
  if (!permitted) {
    return invalid(name, ref.weight, RouteReason.RefNotPermitted, `${name}: no ReferenceGrant in namespace ${namespace} allows TLSRoute references from namespace ${route.meta.namespace}`);
  }
  if (ref.port === undefined) {
    return invalid(name, ref.weight, RouteReason.BackendNotFound, `${name}: backendRef port is required`);
  }
  const key = namespacedKey(namespace, ref.name);
  if (isService) {
    const service = index.services.get(key);
    if (service === undefined) return invalid(name, ref.weight, RouteReason.BackendNotFound, `${name}: Service not found`);
    if (service.type === "ExternalName") {
      // Following a DNS name chosen by a Service author would let any namespace
      // point the gateway at arbitrary hosts; Courier refuses it.
      return invalid(name, ref.weight, RouteReason.UnsupportedValue, `${name}: ExternalName Services are not supported`);
    }
    return withPort(name, ref, service.ports, index.slicesByService.get(key) ?? [], "Service");
  }
  const serviceImport = index.serviceImports.get(key);
  if (serviceImport === undefined) return invalid(name, ref.weight, RouteReason.BackendNotFound, `${name}: ServiceImport not found`);
  return withPort(name, ref, serviceImport.ports, index.slicesByServiceImport.get(key) ?? [], "ServiceImport");
}

function withPort(
  name: string,
  ref: BackendRef,
  ports: readonly ServicePort[],
  slices: readonly EndpointSlice[],
  kind: string,
): ResolvedBackend {
  const port = ports.find((candidate) => candidate.port === ref.port);
  if (port === undefined) {
    return invalid(name, ref.weight, RouteReason.BackendNotFound, `${name}: the ${kind} has no port ${ref.port}`);
  }
  if (port.protocol !== "TCP") {
    return invalid(name, ref.weight, RouteReason.UnsupportedProtocol, `${name}: port protocol ${port.protocol} is not TCP`);
  }
  return { planned: { name, weight: ref.weight, endpoints: endpointAddresses(slices, port.name) } };
}
