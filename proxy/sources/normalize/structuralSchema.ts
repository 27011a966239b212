// Kubernetes structural-schema semantics as plain JSON Schema, so that a generic
// validator (Ajv) checks an object the way the API server does under strict field
// validation (kubectl apply's default since 1.27):
// - an object schema with properties and no additionalProperties knows every field:
//   any other field is an error (the API server would prune it silently; strict
//   validation refuses it), unless x-kubernetes-preserve-unknown-fields is set;
// - x-kubernetes-int-or-string takes an integer or a string (only);
// - x-kubernetes-list-type "set" lists no value twice, "map" no key twice
//   (x-kubernetes-list-map-keys, checked by the keyword of that name);
// - a null field that is not nullable counts as absent (the API server drops it);
// - metadata is ObjectMeta (the CRDs say only `type: object`): its fields are checked
//   from the Kubernetes API reference, names as DNS subdomains, namespaces as DNS
//   labels, label keys and values by the label rules.
// Not evaluated: x-kubernetes-validations (CEL; scripts/crdSchemas.ts drops them),
// formats, defaults.

export type JsonSchema = { readonly [key: string]: unknown };

/** The custom keyword that checks x-kubernetes-list-type "map" (see schemaValidation.ts). */
export const LIST_MAP_KEYS = "x-kubernetes-list-map-keys";

const DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
const DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
/** A label or annotation key: an optional DNS-subdomain prefix and "/", then a name of 1 to 63 characters. */
const QUALIFIED_NAME = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
const LABEL_VALUE = "^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$";

const STRING = { type: "string" };

/** ObjectMeta (meta/v1) as a structural schema, from the Kubernetes API reference. */
export const OBJECT_META_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    name: { type: "string", maxLength: 253, pattern: DNS_SUBDOMAIN },
    generateName: STRING,
    namespace: { type: "string", maxLength: 63, pattern: DNS_LABEL },
    selfLink: STRING,
    uid: STRING,
    resourceVersion: STRING,
    generation: { type: "integer", minimum: 0 },
    // `kubectl create --dry-run -o yaml` writes creationTimestamp: null.
    creationTimestamp: { type: "string", nullable: true },
    deletionTimestamp: STRING,
    deletionGracePeriodSeconds: { type: "integer" },
    labels: { type: "object", propertyNames: { maxLength: 317, pattern: QUALIFIED_NAME }, additionalProperties: { type: "string", maxLength: 63, pattern: LABEL_VALUE } },
    annotations: { type: "object", propertyNames: { maxLength: 317, pattern: QUALIFIED_NAME }, additionalProperties: STRING },
    ownerReferences: {
      type: "array",
      items: {
        type: "object",
        required: ["apiVersion", "kind", "name", "uid"],
        properties: { apiVersion: STRING, kind: STRING, name: STRING, uid: STRING, controller: { type: "boolean" }, blockOwnerDeletion: { type: "boolean" } },
      },
    },
    finalizers: { type: "array", items: STRING },
    managedFields: { type: "array", items: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
  },
};

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A CRD version's openAPIV3Schema (as scripts/crdSchemas.ts keeps it) -> the JSON
 * Schema Ajv checks, with the semantics above. `root` says this is the object's top
 * level, whose metadata becomes OBJECT_META_SCHEMA.
 */
export function toValidationSchema(schema: JsonSchema, root = true): JsonSchema {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case "properties":
        out[key] = Object.fromEntries(
          Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [name, toValidationSchema(root && name === "metadata" ? OBJECT_META_SCHEMA : child, false)]),
        );
        break;
      case "items":
      case "not":
        out[key] = toValidationSchema(value as JsonSchema, false);
        break;
      case "additionalProperties":
        out[key] = isSchema(value) ? toValidationSchema(value, false) : value;
        break;
      case "anyOf":
      case "oneOf":
      case "allOf":
        out[key] = (value as JsonSchema[]).map((child) => toValidationSchema(child, false));
        break;
      case "x-kubernetes-int-or-string":
      case "x-kubernetes-preserve-unknown-fields":
      case "x-kubernetes-embedded-resource":
      case "x-kubernetes-list-type":
        break;
      default:
        out[key] = value;
    }
  }
  if (schema["x-kubernetes-int-or-string"] === true) out["type"] = ["integer", "string"];
  if (schema["x-kubernetes-list-type"] === "set") out["uniqueItems"] = true;
  if (schema["x-kubernetes-list-type"] !== "map") delete out[LIST_MAP_KEYS];
  const properties = schema["properties"] as Record<string, unknown> | undefined;
  if (schema["x-kubernetes-embedded-resource"] === true) {
    out["properties"] = { apiVersion: STRING, kind: STRING, metadata: toValidationSchema(OBJECT_META_SCHEMA, false), ...(out["properties"] as object | undefined) };
  }
  // Fields not in the schema are unknown unless the schema keeps unknown fields.
  const objectLike = schema["type"] === "object" || properties !== undefined;
  if (objectLike && schema["additionalProperties"] === undefined && schema["x-kubernetes-preserve-unknown-fields"] !== true) {
    out["additionalProperties"] = false;
  }
  return out;
}

/**
 * The value as the API server validates it: null fields that are not nullable are
 * dropped (absent), and timestamps a YAML parser turned into Dates are strings again.
 * Returns a copy; the input is not changed.
 */
export function asStructuralValue(value: unknown, schema: JsonSchema | undefined): unknown {
  if (value instanceof Date) return value.toISOString().replace(/\.000Z$/, "Z");
  if (Array.isArray(value)) {
    const items = schema?.["items"];
    return value.map((item) => asStructuralValue(item, isSchema(items) ? items : undefined));
  }
  if (typeof value !== "object" || value === null) return value;
  const properties = schema?.["properties"] as Record<string, JsonSchema> | undefined;
  const additional = schema?.["additionalProperties"];
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema = properties?.[key] ?? (isSchema(additional) ? additional : undefined);
    // An unknown field stays, null or not, to be reported as unknown.
    if (child === null && childSchema !== undefined && childSchema["nullable"] !== true) continue;
    out[key] = asStructuralValue(child, childSchema);
  }
  return out;
}
