// metadata of a raw Kubernetes object -> ObjectMeta, shared by every kind's normalizer.

import { FieldError, type JsonRecord, recordField, optionalStringField, stringMapField } from "./fieldReader.ts";
import type { ObjectMeta } from "../../model/snapshot.ts";

/** Identity of a raw object, read leniently so that errors can name even broken objects. */
export interface RawIdentity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
}

export function rawIdentity(object: JsonRecord): RawIdentity {
  const metadata = object["metadata"];
  const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
  const metaRecord = typeof metadata === "object" && metadata !== null ? (metadata as Record<string, unknown>) : {};
  return {
    apiVersion: text(object["apiVersion"]) ?? "",
    kind: text(object["kind"]) ?? "",
    namespace: text(metaRecord["namespace"]),
    name: text(metaRecord["name"]),
  };
}

/**
 * Reads metadata. Namespaced objects without a namespace are refused rather than
 * placed in "default": files are applied with an explicit namespace or none, and a
 * guess would silently change which routes a Gateway admits.
 */
export function readObjectMeta(object: JsonRecord, namespaced: boolean): ObjectMeta {
  const metadata = recordField(object, "metadata", "");
  const name = optionalStringField(metadata, "name", "metadata");
  if (name === undefined || name === "") throw new FieldError("metadata.name", "is required");
  const namespace = optionalStringField(metadata, "namespace", "metadata") ?? "";
  if (namespaced && namespace === "") throw new FieldError("metadata.namespace", "is required for this kind");
  const generation = metadata["generation"];
  if (generation !== undefined && generation !== null && (typeof generation !== "number" || !Number.isInteger(generation) || generation < 0)) {
    throw new FieldError("metadata.generation", "must be a non-negative integer");
  }
  const creationTimestamp = metadata["creationTimestamp"];
  return {
    namespace: namespaced ? namespace : "",
    name,
    generation: typeof generation === "number" ? generation : 0,
    // YAML parsers may hand back a Date for an unquoted timestamp.
    creationTimestamp:
      creationTimestamp instanceof Date
        ? creationTimestamp.toISOString().replace(/\.000Z$/, "Z")
        : typeof creationTimestamp === "string"
          ? creationTimestamp
          : "",
    resourceVersion: optionalStringField(metadata, "resourceVersion", "metadata") ?? "",
    labels: stringMapField(metadata, "labels", "metadata"),
    annotations: stringMapField(metadata, "annotations", "metadata"),
  };
}
