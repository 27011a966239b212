// Loads the OpenAPI schemas of the CRDs that src/imports was generated from, at the
// versions pinned in scripts/versions.env, from the Go module cache (downloading
// them through the Go module proxy when absent), and validates manifests against them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { gatewayApiDir, mcsApiDir } from "../../scripts/goModules.ts";

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean; "x-kubernetes-preserve-unknown-fields"?: boolean };
type Crd = { spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };

/** The CRD files the imports come from. */
export function crdFiles(): string[] {
  const std = join(gatewayApiDir(), "config", "crd", "standard");
  return [
    join(std, "gateway.networking.k8s.io_gatewayclasses.yaml"),
    join(std, "gateway.networking.k8s.io_gateways.yaml"),
    join(std, "gateway.networking.k8s.io_tlsroutes.yaml"),
    join(std, "gateway.networking.k8s.io_referencegrants.yaml"),
    join(mcsApiDir(), "config", "crd", "multicluster.x-k8s.io_serviceimports.yaml"),
  ];
}

/** Validates manifests of the CRD kinds; returns problems as "apiVersion kind name: message". */
export class CrdValidator {
  private readonly validators = new Map<string, { validate: ValidateFunction; schema: Schema }>();

  public constructor() {
    // CRD schemas use Kubernetes extensions (x-kubernetes-*) and formats such as
    // int32 that Ajv does not know; neither affects the structural checks we want.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    for (const file of crdFiles()) {
      for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
        const crd = doc.toJS() as Crd | null;
        if (crd === null) continue;
        for (const version of crd.spec.versions) {
          const schema = version.schema.openAPIV3Schema;
          this.validators.set(`${crd.spec.group}/${version.name} ${crd.spec.names.kind}`, { validate: ajv.compile(schema), schema });
        }
      }
    }
  }

  /** Whether a schema for this apiVersion and kind is loaded. */
  public covers(apiVersion: string, kind: string): boolean {
    return this.validators.has(`${apiVersion} ${kind}`);
  }

  public validate(object: { apiVersion: string; kind: string; metadata?: { name?: string } }): string[] {
    const entry = this.validators.get(`${object.apiVersion} ${object.kind}`);
    const id = `${object.apiVersion} ${object.kind} ${object.metadata?.name ?? "?"}`;
    if (entry === undefined) return [`${id}: no CRD schema for this kind`];
    const problems: string[] = [];
    if (!entry.validate(object)) {
      for (const e of entry.validate.errors ?? []) problems.push(`${id}: ${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
    }
    // The API server silently prunes fields its schema does not declare; a typo in a
    // field name would vanish without an error, so treat unknown fields as errors.
    for (const path of unknownFields(object, entry.schema, "")) problems.push(`${id}: ${path} is not in the schema (the API server would drop it)`);
    return problems;
  }
}

function unknownFields(value: unknown, schema: Schema, path: string): string[] {
  if (schema["x-kubernetes-preserve-unknown-fields"] === true) return [];
  if (Array.isArray(value)) {
    return schema.items === undefined ? [] : value.flatMap((item, i) => unknownFields(item, schema.items!, `${path}/${i}`));
  }
  if (value === null || typeof value !== "object" || schema.properties === undefined) return [];
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const childSchema = schema.properties[key];
    if (childSchema === undefined) {
      if (schema.additionalProperties === undefined || schema.additionalProperties === false) out.push(`${path}/${key}`);
      continue;
    }
    out.push(...unknownFields(child, childSchema, `${path}/${key}`));
  }
  return out;
}
