// Raw Kubernetes objects (parsed YAML or JSON, untrusted) -> an immutable Snapshot
// plus one error per refused object. Pure: no I/O; the caller reads the files or the
// watch streams (strict loading reads the schemas shipped beside it once, on first
// use). Objects of kinds Courier does not watch (Deployments in the same file,
// Istio's networking.istio.io Gateway, ...) are skipped without a word.

import { FieldError, isRecord, type JsonRecord } from "./fieldReader.ts";
import { rawIdentity, readObjectMeta } from "./objectMeta.ts";
import {
  normalizeGateway,
  normalizeGatewayClass,
  normalizeReferenceGrant,
  normalizeTLSRoute,
} from "./normalizeGatewayApi.ts";
import { normalizeEndpointSlice, normalizeNamespace, normalizeService, normalizeServiceImport } from "./normalizeCore.ts";
import { schemaProblems } from "./schemaValidation.ts";
import {
  APIEXTENSIONS_API_GROUP,
  BUNDLE_VERSION_ANNOTATION,
  DISCOVERY_API_GROUP,
  GATEWAY_API_GROUP,
  GATEWAY_CLASS_CRD_NAME,
  MCS_API_GROUP,
} from "../../../contract/index.ts";
import {
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
} from "../../model/snapshot.ts";

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
  /**
   * Check the object against its CRD schema first, as `kubectl apply` would (file
   * mode's manifests): unknown fields, wrong types and out-of-range values refuse it.
   * Cluster mode leaves this off: the API server has validated every object.
   */
  readonly strict?: boolean;
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
  if (group === GATEWAY_API_GROUP) {
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
  if (group === APIEXTENSIONS_API_GROUP && kind === "CustomResourceDefinition") {
    // Only the gatewayclasses CRD matters: its bundle version decides SupportedVersion.
    const meta = readObjectMeta(object, false);
    if (meta.name !== GATEWAY_CLASS_CRD_NAME) return undefined;
    const version = meta.annotations[BUNDLE_VERSION_ANNOTATION];
    return { kind: "GatewayApiBundle", value: { meta, ...(version === undefined ? {} : { version }) } };
  }
  if (group === DISCOVERY_API_GROUP && kind === "EndpointSlice") return { kind, value: normalizeEndpointSlice(object) };
  if (group === MCS_API_GROUP && kind === "ServiceImport") return { kind, value: normalizeServiceImport(object) };
  return undefined;
}

/**
 * Strict loading of one object Courier reads: every field its CRD schema refuses,
 * each as an error naming the field ([] when it conforms or no CRD covers its kind:
 * core kinds keep normalize's own checks of the fields Courier reads).
 */
export function strictObjectErrors(object: unknown, source?: string): ObjectError[] {
  if (!isRecord(object)) return [];
  const identity = rawIdentity(object);
  return (schemaProblems(object) ?? []).map((problem) => ({ kind: identity.kind, namespace: identity.namespace, name: identity.name, source, path: problem.path, message: problem.message }));
}

/** Expands `kind: List` (kubectl get -o yaml) into its items; anything else is itself. */
function flatten(objects: readonly SourcedObject[]): SourcedObject[] {
  const result: SourcedObject[] = [];
  for (const entry of objects) {
    const object = entry.object;
    if (isRecord(object) && typeof object["kind"] === "string" && object["kind"].endsWith("List") && Array.isArray(object["items"])) {
      for (const item of object["items"]) result.push({ object: item, source: entry.source, strict: entry.strict });
    } else if (object !== null && object !== undefined) {
      // Empty YAML documents (a trailing "---") parse to null: not an error.
      result.push(entry);
    }
  }
  return result;
}

/** "Kind namespace/name": a normalized object's identity, e.g. a watch cache key. */
export function normalizedKey(object: NormalizedObject): string {
  return `${object.kind} ${keyOf(object.value.meta)}`;
}

function byName<T extends { readonly meta: ObjectMeta }>(items: T[]): T[] {
  return items.sort((a, b) => {
    const ka = keyOf(a.meta);
    const kb = keyOf(b.meta);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/**
 * A Snapshot from already normalized objects (a watch cache's current contents, or
 * a batch). Each kind's list is sorted by namespace/name, so equal contents in any
 * order give equal Snapshots. Keys must be unique (see normalizedKey).
 */
export function assembleSnapshot(objects: Iterable<NormalizedObject>): Snapshot {
  const gatewayClasses: GatewayClass[] = [];
  const gateways: Gateway[] = [];
  const tlsRoutes: TLSRoute[] = [];
  const referenceGrants: ReferenceGrant[] = [];
  const services: Service[] = [];
  const endpointSlices: EndpointSlice[] = [];
  const serviceImports: ServiceImport[] = [];
  const namespaces: Namespace[] = [];
  let bundle: GatewayApiBundle | undefined;
  for (const object of objects) {
    switch (object.kind) {
      case "GatewayClass":
        gatewayClasses.push(object.value);
        break;
      case "Gateway":
        gateways.push(object.value);
        break;
      case "TLSRoute":
        tlsRoutes.push(object.value);
        break;
      case "ReferenceGrant":
        referenceGrants.push(object.value);
        break;
      case "Service":
        services.push(object.value);
        break;
      case "EndpointSlice":
        endpointSlices.push(object.value);
        break;
      case "ServiceImport":
        serviceImports.push(object.value);
        break;
      case "Namespace":
        namespaces.push(object.value);
        break;
      case "GatewayApiBundle":
        bundle = object.value.version === undefined ? {} : { version: object.value.version };
        break;
    }
  }
  return {
    ...(bundle === undefined ? {} : { gatewayApiBundle: bundle }),
    gatewayClasses: byName(gatewayClasses),
    gateways: byName(gateways),
    tlsRoutes: byName(tlsRoutes),
    referenceGrants: byName(referenceGrants),
    services: byName(services),
    endpointSlices: byName(endpointSlices),
    serviceImports: byName(serviceImports),
    namespaces: byName(namespaces),
  };
}

/**
 * Normalizes a batch into one Snapshot. When the same object appears twice, the
 * later one is kept and the earlier reported. An object marked strict that its CRD
 * schema refuses is left out with one error per refused field.
 */
export function normalizeObjects(objects: readonly SourcedObject[]): {
  readonly snapshot: Snapshot;
  readonly errors: readonly ObjectError[];
} {
  const errors: ObjectError[] = [];
  const byKey = new Map<string, { readonly normalized: NormalizedObject; readonly source?: string }>();
  for (const { object, source, strict } of flatten(objects)) {
    const result = normalizeObject(object, source);
    if (result.status === "ignored") continue;
    // Only kinds Courier reads are checked: a Deployment in the same file is not its business.
    const refused = strict === true ? strictObjectErrors(object, source) : [];
    if (refused.length > 0) {
      errors.push(...refused);
      continue;
    }
    if (result.status === "invalid") {
      errors.push(result.error);
      continue;
    }
    const normalized = result.object;
    const key = normalizedKey(normalized);
    const earlier = byKey.get(key);
    if (earlier !== undefined) {
      const meta = normalized.value.meta;
      errors.push({
        kind: normalized.kind,
        namespace: meta.namespace || undefined,
        name: meta.name,
        source: earlier.source,
        path: "",
        message: `defined again${source === undefined ? "" : ` in ${source}`}; the later definition is used`,
      });
    }
    byKey.set(key, { normalized, source });
  }
  return { snapshot: assembleSnapshot([...byKey.values()].map((entry) => entry.normalized)), errors };
}
