// Raw Kubernetes objects (parsed YAML or JSON, untrusted) -> an immutable Snapshot
// plus one error per refused object. Pure: no I/O; the caller reads the files or the
// watch streams. Objects of kinds Courier does not watch (Deployments in the same
// file, Istio's networking.istio.io Gateway, ...) are skipped without a word.

import { FieldError, isRecord, type JsonRecord } from "./fieldReader.ts";
import { rawIdentity, readObjectMeta } from "./objectMeta.ts";
import {
  normalizeGateway,
  normalizeGatewayClass,
  normalizeReferenceGrant,
  normalizeTLSRoute,
} from "./normalizeGatewayApi.ts";
import { normalizeEndpointSlice, normalizeNamespace, normalizeService, normalizeServiceImport } from "./normalizeCore.ts";
import {
  BUNDLE_VERSION_ANNOTATION,
  GATEWAY_CLASS_CRD_NAME,
  GATEWAY_GROUP,
  MULTICLUSTER_GROUP,
  keyOf,
  type EndpointSlice,
  type Gateway,
  type GatewayApiBundle,
  type GatewayClass,
  type Namespace,
  type ObjectMeta,
  type ReferenceGrant,
  type Service,
  type ServiceImport,
  type Snapshot,
  type TLSRoute,
} from "./snapshot.ts";

/** Why one object was left out of the Snapshot. */
export interface ObjectError {
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
  /** The file (and document) it came from, when the caller said. */
  readonly source?: string;
  /** Field path inside the object, e.g. "spec.listeners[1].port"; "" for the whole object. */
  readonly path: string;
  readonly message: string;
}

export interface SourcedObject {
  readonly object: unknown;
  readonly source?: string;
}

export type NormalizedObject =
  | { readonly kind: "GatewayClass"; readonly value: GatewayClass }
  | { readonly kind: "Gateway"; readonly value: Gateway }
  | { readonly kind: "TLSRoute"; readonly value: TLSRoute }
  | { readonly kind: "ReferenceGrant"; readonly value: ReferenceGrant }
  | { readonly kind: "Service"; readonly value: Service }
  | { readonly kind: "EndpointSlice"; readonly value: EndpointSlice }
  | { readonly kind: "ServiceImport"; readonly value: ServiceImport }
  | { readonly kind: "Namespace"; readonly value: Namespace }
  | { readonly kind: "GatewayApiBundle"; readonly value: GatewayApiBundle & { readonly meta: ObjectMeta } };

export type NormalizeResult =
  | { readonly status: "ok"; readonly object: NormalizedObject }
  | { readonly status: "ignored" }
  | { readonly status: "invalid"; readonly error: ObjectError };

/** "Gateway ns/name (file.yaml): spec.listeners[0].port: must be ..." */
export function formatObjectError(error: ObjectError): string {
  const identity = [error.namespace, error.name].filter((part) => part !== undefined).join("/");
  const subject = `${error.kind || "object"}${identity === "" ? "" : ` ${identity}`}`;
  const where = error.source === undefined ? "" : ` (${error.source})`;
  const field = error.path === "" ? "" : `${error.path}: `;
  return `${subject}${where}: ${field}${error.message}`;
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** Normalizes one object: for the watch side, where objects arrive one at a time. */
export function normalizeObject(object: unknown, source?: string): NormalizeResult {
  if (!isRecord(object)) {
    return { status: "invalid", error: { kind: "", source, path: "", message: "is not an object" } };
  }
  const identity = rawIdentity(object);
  const group = groupOf(identity.apiVersion);
  try {
    const normalized = dispatch(object, identity.kind, group, identity.apiVersion);
    return normalized === undefined ? { status: "ignored" } : { status: "ok", object: normalized };
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    return {
      status: "invalid",
      error: { kind: identity.kind, namespace: identity.namespace, name: identity.name, source, path: error.path, message: error.message },
    };
  }
}

function dispatch(object: JsonRecord, kind: string, group: string, apiVersion: string): NormalizedObject | undefined {
  if (group === GATEWAY_GROUP) {
    switch (kind) {
      case "GatewayClass":
        return { kind, value: normalizeGatewayClass(object) };
      case "Gateway":
        return { kind, value: normalizeGateway(object) };
      case "TLSRoute":
        return { kind, value: normalizeTLSRoute(object, apiVersion) };
      case "ReferenceGrant":
        return { kind, value: normalizeReferenceGrant(object) };
    }
    return undefined;
  }
  if (apiVersion === "v1") {
    if (kind === "Service") return { kind, value: normalizeService(object) };
    if (kind === "Namespace") return { kind, value: normalizeNamespace(object) };
    return undefined;
  }
  if (group === "apiextensions.k8s.io" && kind === "CustomResourceDefinition") {
    // Only the gatewayclasses CRD matters: its bundle version decides SupportedVersion.
    const meta = readObjectMeta(object, false);
    if (meta.name !== GATEWAY_CLASS_CRD_NAME) return undefined;
    const version = meta.annotations[BUNDLE_VERSION_ANNOTATION];
    return { kind: "GatewayApiBundle", value: { meta, ...(version === undefined ? {} : { version }) } };
  }
  if (group === "discovery.k8s.io" && kind === "EndpointSlice") return { kind, value: normalizeEndpointSlice(object) };
  if (group === MULTICLUSTER_GROUP && kind === "ServiceImport") return { kind, value: normalizeServiceImport(object) };
  return undefined;
}

/** Expands `kind: List` (kubectl get -o yaml) into its items; anything else is itself. */
function flatten(objects: readonly SourcedObject[]): SourcedObject[] {
  const result: SourcedObject[] = [];
  for (const entry of objects) {
    const object = entry.object;
    if (isRecord(object) && typeof object["kind"] === "string" && object["kind"].endsWith("List") && Array.isArray(object["items"])) {
      for (const item of object["items"]) result.push({ object: item, source: entry.source });
    } else if (object !== null && object !== undefined) {
      // Empty YAML documents (a trailing "---") parse to null: not an error.
      result.push(entry);
    }
  }
  return result;
}

/**
 * Normalizes a batch into one Snapshot. Each kind's list is sorted by
 * namespace/name so that equal inputs in any order give equal Snapshots. When the
 * same object appears twice, the later one is kept and the earlier reported.
 */
export function normalizeObjects(objects: readonly SourcedObject[]): {
  readonly snapshot: Snapshot;
  readonly errors: readonly ObjectError[];
} {
  const errors: ObjectError[] = [];
  const byKind = new Map<string, Map<string, { readonly normalized: NormalizedObject; readonly source?: string }>>();
  for (const { object, source } of flatten(objects)) {
    const result = normalizeObject(object, source);
    if (result.status === "ignored") continue;
    if (result.status === "invalid") {
      errors.push(result.error);
      continue;
    }
    const normalized = result.object;
    const meta: ObjectMeta = normalized.value.meta;
    const key = keyOf(meta);
    const ofKind = byKind.get(normalized.kind) ?? new Map();
    byKind.set(normalized.kind, ofKind);
    const earlier = ofKind.get(key);
    if (earlier !== undefined) {
      errors.push({
        kind: normalized.kind,
        namespace: meta.namespace || undefined,
        name: meta.name,
        source: earlier.source,
        path: "",
        message: `defined again${source === undefined ? "" : ` in ${source}`}; the later definition is used`,
      });
    }
    ofKind.set(key, { normalized, source });
  }
  const valuesOf = <T>(kind: NormalizedObject["kind"], pick: (normalized: NormalizedObject) => T | undefined): T[] => {
    const entries = [...(byKind.get(kind)?.entries() ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.flatMap(([, entry]) => {
      const value = pick(entry.normalized);
      return value === undefined ? [] : [value];
    });
  };
  const bundle = valuesOf("GatewayApiBundle", (n) => (n.kind === "GatewayApiBundle" ? n.value : undefined))[0];
  return {
    snapshot: {
      ...(bundle === undefined ? {} : { gatewayApiBundle: bundle.version === undefined ? {} : { version: bundle.version } }),
      gatewayClasses: valuesOf("GatewayClass", (n) => (n.kind === "GatewayClass" ? n.value : undefined)),
      gateways: valuesOf("Gateway", (n) => (n.kind === "Gateway" ? n.value : undefined)),
      tlsRoutes: valuesOf("TLSRoute", (n) => (n.kind === "TLSRoute" ? n.value : undefined)),
      referenceGrants: valuesOf("ReferenceGrant", (n) => (n.kind === "ReferenceGrant" ? n.value : undefined)),
      services: valuesOf("Service", (n) => (n.kind === "Service" ? n.value : undefined)),
      endpointSlices: valuesOf("EndpointSlice", (n) => (n.kind === "EndpointSlice" ? n.value : undefined)),
      serviceImports: valuesOf("ServiceImport", (n) => (n.kind === "ServiceImport" ? n.value : undefined)),
      namespaces: valuesOf("Namespace", (n) => (n.kind === "Namespace" ? n.value : undefined)),
    },
    errors,
  };
}
