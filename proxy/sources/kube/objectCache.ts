// What cluster mode keeps of each watched object: it is normalized once, as it
// arrives, and the raw JSON (managedFields, last-applied annotations, specs Courier
// does not read) is dropped at once. Kept are the Snapshot's piece, slimmed to what
// translate() reads, and for the kinds whose status Courier writes a "live" stub
// (identity and uid, generation, resourceVersion, status) that the status writer merges
// into and guards its writes with.
import {
  FALLBACK_ANNOTATION,
  HEALTH_CHECK_ANNOTATIONS,
  IDLE_TIMEOUT_ANNOTATION,
  PROXY_PROTOCOL_ANNOTATION,
  TCP_KEEPALIVE_ANNOTATION,
} from "../../../contract/index.ts";
import type { Logger } from "../../lib/log.ts";
import type { KubeObject } from "../../kubeapi/objects.ts";
import type { ObjectMeta } from "../../model/snapshot.ts";
import { formatObjectError, normalizeObject, type NormalizedObject } from "../normalize/normalize.ts";

export interface CachedObject {
  /** undefined when the object was left out (invalid; logged once as it arrived) or is of no interest. */
  readonly normalized: NormalizedObject | undefined;
  /** GatewayClass, Gateway, TLSRoute: what the status writer needs of the object as last seen. */
  readonly live: KubeObject | undefined;
}

/** The kinds whose status Courier writes. */
const STATUS_KINDS: ReadonlySet<string> = new Set(["GatewayClass", "Gateway", "TLSRoute"]);

/** The only annotations translate() reads (per-route settings); the rest are dropped as objects arrive. */
const READ_ANNOTATIONS = [FALLBACK_ANNOTATION, IDLE_TIMEOUT_ANNOTATION, TCP_KEEPALIVE_ANNOTATION, PROXY_PROTOCOL_ANNOTATION, ...HEALTH_CHECK_ANNOTATIONS] as const;

/**
 * translate() reads namespace, name, generation and creationTimestamp of every object,
 * labels only of Namespaces (allowedRoutes selectors; an EndpointSlice's service-name
 * label was read into the slice by normalize) and only READ_ANNOTATIONS. The
 * resourceVersion is blanked: it changes with every write, translate never reads it,
 * and a Snapshot piece that stays equal is what lets a status-only update pass
 * without a rebuild (see translateView).
 */
function slimMeta(meta: ObjectMeta, keepLabels: boolean): ObjectMeta {
  let annotations: Record<string, string> | undefined;
  for (const key of READ_ANNOTATIONS) {
    const value = meta.annotations[key];
    if (value !== undefined) (annotations ??= {})[key] = value;
  }
  return {
    namespace: meta.namespace,
    name: meta.name,
    generation: meta.generation,
    creationTimestamp: meta.creationTimestamp,
    resourceVersion: "",
    labels: keepLabels && Object.keys(meta.labels).length > 0 ? meta.labels : NONE,
    annotations: annotations ?? NONE,
  };
}

/** One shared empty map for the labels and annotations of 50,000 objects. */
const NONE: Readonly<Record<string, string>> = Object.freeze({});

function slim(normalized: NormalizedObject): NormalizedObject {
  if (normalized.kind === "GatewayApiBundle") return normalized;
  // Spread per kind keeps the discriminated union intact for the compiler.
  const meta = slimMeta(normalized.value.meta, normalized.kind === "Namespace");
  switch (normalized.kind) {
    case "GatewayClass":
      return { kind: normalized.kind, value: { ...normalized.value, meta } };
    case "Gateway":
      return { kind: normalized.kind, value: { ...normalized.value, meta } };
    case "TLSRoute":
      return { kind: normalized.kind, value: { ...normalized.value, meta } };
    case "ReferenceGrant":
      return { kind: normalized.kind, value: { ...normalized.value, meta } };
    case "Service":
      return { kind: normalized.kind, value: { ...normalized.value, meta } };
    case "EndpointSlice":
      return { kind: normalized.kind, value: { ...normalized.value, meta } };
    case "ServiceImport":
      return { kind: normalized.kind, value: { ...normalized.value, meta } };
    case "Namespace":
      return { kind: normalized.kind, value: { ...normalized.value, meta } };
  }
}

/**
 * What the status writer needs of a live object. Its status is kept as JSON text and
 * parsed again on each read (the writer reads it when it checks the object): at
 * 10,000 routes the parsed status graphs would be the largest thing in memory.
 */
class LiveStub {
  [field: string]: unknown;
  readonly #statusText: string | undefined;

  constructor(
    readonly apiVersion: unknown,
    readonly kind: unknown,
    readonly metadata: { readonly namespace?: string; readonly name?: string; readonly uid?: string; readonly resourceVersion?: string; readonly generation?: number },
    status: unknown,
  ) {
    this.#statusText = status === undefined ? undefined : JSON.stringify(status);
  }

  get status(): unknown {
    return this.#statusText === undefined ? undefined : JSON.parse(this.#statusText);
  }
}

function liveStub(object: KubeObject): KubeObject {
  const metadata = (object.metadata ?? {}) as NonNullable<KubeObject["metadata"]> & { generation?: number };
  return new LiveStub(object["apiVersion"], object["kind"], { namespace: metadata.namespace, name: metadata.name, uid: metadata.uid, resourceVersion: metadata.resourceVersion, generation: metadata.generation }, object.status);
}

/** Normalizes and slims one arriving object; an invalid one is logged now and kept as "left out". */
export function cacheObject(object: KubeObject, log: Logger): CachedObject {
  const result = normalizeObject(object);
  if (result.status === "invalid") log.warn("object left out", { error: formatObjectError(result.error) });
  const kind = typeof object["kind"] === "string" ? object["kind"] : "";
  return {
    normalized: result.status === "ok" ? slim(result.object) : undefined,
    live: STATUS_KINDS.has(kind) ? liveStub(object) : undefined,
  };
}

/**
 * Whether translate() sees the two the same: then the change cannot alter the Plan
 * (a status write, a managedFields or resourceVersion bump, an annotation or label
 * translate does not read). Both absent or left out counts as the same.
 */
export function sameForTranslate(before: CachedObject | undefined, after: CachedObject | undefined): boolean {
  return sameValue(before?.normalized?.value, after?.normalized?.value);
}

/** Deep equality of normalized values (plain objects, arrays, strings, numbers, booleans), without serializing them. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let count = 0;
  for (const key in left) {
    // An absent field and one set to undefined are the same to translate().
    if (!sameValue(left[key], right[key])) return false;
    if (left[key] !== undefined) count++;
  }
  for (const key in right) if (right[key] !== undefined) count--;
  return count === 0;
}
