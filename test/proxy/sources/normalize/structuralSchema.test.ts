// Structural-schema semantics of the strict loader, on a made-up CRD schema that uses
// the Kubernetes extensions the pinned Gateway API CRDs happen not to (int-or-string,
// preserve-unknown-fields, list-type set), plus those they do (list-type map, nullable).
import { describe, expect, test } from "bun:test";
import { compileCrdSchema } from "../../../../proxy/sources/normalize/schemaValidation.ts";

const validate = compileCrdSchema(
  {
    type: "object",
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: {
        type: "object",
        required: ["port"],
        properties: {
          port: { "x-kubernetes-int-or-string": true },
          extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { known: { type: "integer" } } },
          tags: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
          entries: {
            type: "array",
            items: { type: "object", required: ["name"], properties: { name: { type: "string" }, zone: { type: "string" }, value: { type: "integer", minimum: 0, maximum: 10 } } },
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name", "zone"],
          },
          note: { type: "string", nullable: true },
          labels: { type: "object", additionalProperties: { type: "string" } },
          empty: { type: "object" },
        },
      },
    },
  },
  "Example",
);

const object = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: "x", namespace: "a" }) => ({ apiVersion: "example.com/v1", kind: "Example", metadata, spec });

describe("structural schema semantics", () => {
  test("a conforming object has no problems", () => {
    expect(validate(object({ port: 8443, extra: { known: 1, anything: { goes: true } }, tags: ["a", "b"], entries: [{ name: "a" }, { name: "a", zone: "z" }], note: null, labels: { a: "b" } }))).toEqual([]);
    expect(validate(object({ port: "https" }))).toEqual([]);
  });

  test("x-kubernetes-int-or-string takes an integer or a string, nothing else", () => {
    expect(validate(object({ port: true }))).toEqual([{ path: "spec.port", message: "must be an integer or a string, got boolean true" }]);
    expect(validate(object({ port: 1.5 }))).toEqual([{ path: "spec.port", message: "must be an integer or a string, got number 1.5" }]);
  });

  test("unknown fields are refused, except under x-kubernetes-preserve-unknown-fields; an object with no properties takes none", () => {
    expect(validate(object({ port: 1, prot: 2, extra: { known: "1", free: 1 }, empty: { a: 1 } }))).toEqual([
      { path: "spec.prot", message: "unknown field; did you mean port?" },
      { path: "spec.extra.known", message: "must be an integer, got \"1\"" },
      { path: "spec.empty.a", message: "unknown field" },
    ]);
  });

  test("list-type set lists no value twice; list-type map no key twice", () => {
    expect(validate(object({ port: 1, tags: ["a", "b", "a"], entries: [{ name: "a", zone: "z" }, { name: "b" }, { name: "a", zone: "z", value: 11 }] }))).toEqual([
      { path: "spec.tags", message: "lists the same value twice (items 0 and 2)" },
      { path: "spec.entries[2].value", message: "must be between 0 and 10, got number 11" },
      { path: "spec.entries[2]", message: 'duplicate entry: item 0 has the same name "a", zone "z"' },
    ]);
  });

  test("null is absent unless nullable: a required field set to null is missing", () => {
    expect(validate(object({ port: null, note: null, labels: null }))).toEqual([{ path: "spec.port", message: "is required" }]);
  });

  test("metadata is ObjectMeta: known fields only, DNS names, label rules; YAML timestamps are strings", () => {
    expect(validate(object({ port: 1 }, { name: "x", namespace: "a", creationTimestamp: new Date("2026-01-01T00:00:00Z"), generation: 2, finalizers: ["f"] }))).toEqual([]);
    expect(
      validate(object({ port: 1 }, { name: "Not_A_Name", namespace: "a.b", labels: { "app.kubernetes.io/name": "ok", "-bad": "x", good: "not ok!" }, annotation: {} })),
    ).toEqual([
      { path: "metadata.annotation", message: "unknown field; did you mean annotations?" },
      { path: "metadata.name", message: 'must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$, got "Not_A_Name"' },
      { path: "metadata.namespace", message: 'must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$, got "a.b"' },
      { path: "metadata.labels.-bad", message: "is not a valid key (an optional DNS-subdomain prefix and /, then 1 to 63 letters, digits, -, _ or .)" },
      { path: "metadata.labels.good", message: 'must match ^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$, got "not ok!"' },
    ]);
  });
});
