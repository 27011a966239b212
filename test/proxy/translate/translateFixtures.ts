// Fixtures for translate tests: the Gateway API conformance manifests loaded as-is,
// the courier GatewayClass, and EndpointSlices standing in for the backend pods.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { normalizeObjects, type SourcedObject } from "../../../proxy/sources/normalize/normalize.ts";
import { COURIER_CONTROLLER_NAME } from "../../../contract/index.ts";
import type { Condition, Plan, RouteParentStatusPlan } from "../../../proxy/model/plan.ts";
import type { Snapshot } from "../../../proxy/model/snapshot.ts";
import { conformanceBaseFile, conformanceTestFile } from "../../helpers/gatewayApi.ts";

export const CLASS_NAME = "courier";
export const INFRA = "gateway-conformance-infra";

/** Parses a multi-document manifest, substituting the suite's class placeholder. */
export function manifestObjects(text: string, source: string): SourcedObject[] {
  return parseAllDocuments(text.replaceAll("{GATEWAY_CLASS_NAME}", CLASS_NAME)).map((document, index) => ({
    object: document.toJS() as unknown,
    source: `${source}#${index}`,
  }));
}

/** A scenario of the pinned conformance suite's tests/ directory. */
export function conformanceFile(name: string): SourcedObject[] {
  return manifestObjects(readFileSync(conformanceTestFile(name), "utf8"), name);
}

export const courierClass: SourcedObject = {
  object: {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "GatewayClass",
    metadata: { name: CLASS_NAME, generation: 1 },
    spec: { controllerName: COURIER_CONTROLLER_NAME },
  },
};

/**
 * The Services and Namespaces of the suite's base manifests (its Gateways left out:
 * they belong to other tests), plus one EndpointSlice per Service whose ports are
 * named like the Service's, with one ready endpoint each.
 */
export function baseObjects(): SourcedObject[] {
  const base = manifestObjects(readFileSync(conformanceBaseFile(), "utf8"), "base-manifests.yaml").filter((entry) => {
    const kind = (entry.object as { kind?: string } | null)?.kind;
    return kind === "Service" || kind === "Namespace";
  });
  const slices: SourcedObject[] = base.flatMap((entry, index) => {
    const object = entry.object as { kind: string; metadata: { name: string; namespace: string }; spec: { ports?: { name?: string; port: number; targetPort?: number }[] } };
    if (object.kind !== "Service") return [];
    return [
      {
        object: {
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          metadata: { name: `${object.metadata.name}-abc`, namespace: object.metadata.namespace, labels: { "kubernetes.io/service-name": object.metadata.name } },
          addressType: "IPv4",
          ports: (object.spec.ports ?? []).map((port) => ({ name: port.name ?? "", port: port.targetPort ?? port.port, protocol: "TCP" })),
          endpoints: [{ addresses: [`10.0.${Math.floor(index / 250)}.${(index % 250) + 1}`], conditions: { ready: true } }],
        },
        source: "fixture",
      },
    ];
  });
  return [...base, ...slices];
}

/** Snapshot of one conformance scenario with the base objects and the courier class. */
export function conformanceSnapshot(file: string): Snapshot {
  const { snapshot, errors } = normalizeObjects([courierClass, ...baseObjects(), ...conformanceFile(file)]);
  if (errors.length > 0) throw new Error(`fixture errors: ${JSON.stringify(errors)}`);
  return snapshot;
}

export function routeParents(plan: Plan, name: string, namespace = INFRA): readonly RouteParentStatusPlan[] {
  const route = plan.routes.find((candidate) => candidate.key.name === name && candidate.key.namespace === namespace);
  if (route === undefined) throw new Error(`no route status for ${namespace}/${name}`);
  return route.parents;
}

/** type -> "status/reason", the shape conformance assertions care about. */
export function conditionSummary(conditions: readonly Condition[]): Record<string, string> {
  return Object.fromEntries(conditions.map((entry) => [entry.type, `${entry.status}/${entry.reason}`]));
}

export function gatewayStatusOf(plan: Plan, name: string, namespace = INFRA) {
  const gateway = plan.gateways.find((candidate) => candidate.key.name === name && candidate.key.namespace === namespace);
  if (gateway === undefined) throw new Error(`no gateway status for ${namespace}/${name}`);
  return gateway;
}

export function listenerStatusOf(plan: Plan, gateway: string, listener: string) {
  const status = gatewayStatusOf(plan, gateway).listeners.find((candidate) => candidate.name === listener);
  if (status === undefined) throw new Error(`no listener status for ${gateway}/${listener}`);
  return status;
}
