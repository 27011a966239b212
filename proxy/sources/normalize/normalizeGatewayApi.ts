// Gateway API objects (GatewayClass, Gateway, TLSRoute, ReferenceGrant) -> Snapshot
// shapes, with the CRD defaults applied and the CRD validations that translate()
// relies on enforced (an object the API server would refuse is refused here too, so
// file mode and cluster mode see the same world).

import {
  FieldError,
  type JsonRecord,
  arrayField,
  asRecord,
  integerField,
  joinPath,
  optionalIntegerField,
  optionalRecordField,
  optionalStringField,
  recordField,
  stringField,
  stringListField,
  stringMapField,
} from "./fieldReader.ts";
import { GATEWAY_API_GROUP, hostnameProblem } from "../../../contract/index.ts";
import { readObjectMeta } from "./objectMeta.ts";
import {
  type AllowedRoutes,
  type BackendRef,
  type Gateway,
  type GatewayAddress,
  type GatewayClass,
  type GroupKind,
  type LabelSelector,
  type Listener,
  type ParentRef,
  type ReferenceGrant,
  type RouteRule,
  type TLSRoute,
} from "../../model/snapshot.ts";

const PORT_RANGE = { min: 1, max: 65535 };
const WEIGHT_RANGE = { min: 0, max: 1_000_000 };

export function normalizeGatewayClass(object: JsonRecord): GatewayClass {
  const meta = readObjectMeta(object, false);
  const spec = recordField(object, "spec", "");
  const controllerName = stringField(spec, "controllerName", "spec");
  const parameters = optionalRecordField(spec, "parametersRef", "spec");
  if (parameters === undefined) return { meta, controllerName };
  const path = "spec.parametersRef";
  return {
    meta,
    controllerName,
    parametersRef: {
      group: optionalStringField(parameters, "group", path) ?? "",
      kind: stringField(parameters, "kind", path),
      name: stringField(parameters, "name", path),
      namespace: optionalStringField(parameters, "namespace", path),
    },
  };
}

export function normalizeGateway(object: JsonRecord): Gateway {
  const meta = readObjectMeta(object, true);
  const spec = recordField(object, "spec", "");
  const gatewayClassName = stringField(spec, "gatewayClassName", "spec");
  const rawListeners = arrayField(spec, "listeners", "spec");
  if (rawListeners.length === 0) throw new FieldError("spec.listeners", "must list at least one listener");
  const listeners = rawListeners.map((raw, index) => readListener(raw, joinPath("spec.listeners", index)));
  const seen = new Set<string>();
  listeners.forEach((listener, index) => {
    if (seen.has(listener.name)) {
      throw new FieldError(joinPath(joinPath("spec.listeners", index), "name"), `duplicate listener name "${listener.name}"`);
    }
    seen.add(listener.name);
  });
  const addresses = arrayField(spec, "addresses", "spec").map((raw, index): GatewayAddress => {
    const path = joinPath("spec.addresses", index);
    const address = asRecord(raw, path);
    return {
      type: optionalStringField(address, "type", path) ?? "IPAddress",
      value: optionalStringField(address, "value", path) ?? "",
    };
  });
  const infrastructure = recordField(spec, "infrastructure", "spec");
  const parameters = optionalRecordField(infrastructure, "parametersRef", "spec.infrastructure");
  const parametersPath = "spec.infrastructure.parametersRef";
  const infrastructureParametersRef =
    parameters === undefined
      ? undefined
      : {
          group: optionalStringField(parameters, "group", parametersPath) ?? "",
          kind: stringField(parameters, "kind", parametersPath),
          name: stringField(parameters, "name", parametersPath),
        };
  return { meta, gatewayClassName, listeners, addresses, ...(infrastructureParametersRef === undefined ? {} : { infrastructureParametersRef }) };
}

function readListener(raw: unknown, path: string): Listener {
  const listener = asRecord(raw, path);
  const hostname = optionalStringField(listener, "hostname", path);
  const hostnameIssue = hostname === undefined ? undefined : hostnameProblem(hostname);
  if (hostnameIssue !== undefined) throw new FieldError(joinPath(path, "hostname"), hostnameIssue.problem);
  const tls = optionalRecordField(listener, "tls", path);
  return {
    name: stringField(listener, "name", path),
    hostname,
    port: integerField(listener, "port", path, PORT_RANGE),
    protocol: stringField(listener, "protocol", path),
    // The CRD defaults a present tls block's mode to Terminate.
    tlsMode: tls === undefined ? undefined : (optionalStringField(tls, "mode", joinPath(path, "tls")) ?? "Terminate"),
    allowedRoutes: readAllowedRoutes(listener, path),
  };
}

function readAllowedRoutes(listener: JsonRecord, path: string): AllowedRoutes {
  const allowedPath = joinPath(path, "allowedRoutes");
  const allowed = recordField(listener, "allowedRoutes", path);
  const namespaces = recordField(allowed, "namespaces", allowedPath);
  const namespacesPath = joinPath(allowedPath, "namespaces");
  const from = optionalStringField(namespaces, "from", namespacesPath) ?? "Same";
  const rawSelector = optionalRecordField(namespaces, "selector", namespacesPath);
  const selector = rawSelector === undefined ? undefined : readLabelSelector(rawSelector, joinPath(namespacesPath, "selector"));
  if (from === "Selector" && selector === undefined) {
    throw new FieldError(joinPath(namespacesPath, "selector"), 'is required when from is "Selector"');
  }
  const kinds =
    allowed["kinds"] === undefined || allowed["kinds"] === null
      ? undefined
      : arrayField(allowed, "kinds", allowedPath).map((raw, index): GroupKind => {
          const kindPath = joinPath(joinPath(allowedPath, "kinds"), index);
          const kind = asRecord(raw, kindPath);
          return { group: optionalStringField(kind, "group", kindPath) ?? GATEWAY_API_GROUP, kind: stringField(kind, "kind", kindPath) };
        });
  return { from, selector, kinds };
}

export function readLabelSelector(selector: JsonRecord, path: string): LabelSelector {
  return {
    matchLabels: stringMapField(selector, "matchLabels", path),
    matchExpressions: arrayField(selector, "matchExpressions", path).map((raw, index) => {
      const expressionPath = joinPath(joinPath(path, "matchExpressions"), index);
      const expression = asRecord(raw, expressionPath);
      return {
        key: stringField(expression, "key", expressionPath),
        operator: stringField(expression, "operator", expressionPath),
        values: stringListField(expression, "values", expressionPath),
      };
    }),
  };
}

/** TLSRoute v1 (strict: hostnames required, exactly one rule) or v1alpha2/v1alpha3 (lenient). */
export function normalizeTLSRoute(object: JsonRecord, apiVersion: string): TLSRoute {
  const meta = readObjectMeta(object, true);
  const spec = recordField(object, "spec", "");
  const isV1 = apiVersion === `${GATEWAY_API_GROUP}/v1`;
  const hostnames = stringListField(spec, "hostnames", "spec");
  hostnames.forEach((hostname, index) => {
    const issue = hostnameProblem(hostname);
    if (issue !== undefined) throw new FieldError(joinPath("spec.hostnames", index), issue.problem);
  });
  if (isV1 && hostnames.length === 0) throw new FieldError("spec.hostnames", "TLSRoute v1 requires at least one hostname");
  const rawRules = arrayField(spec, "rules", "spec");
  if (rawRules.length === 0) throw new FieldError("spec.rules", "must list at least one rule");
  if (isV1 && rawRules.length !== 1) throw new FieldError("spec.rules", `TLSRoute v1 takes exactly one rule, got ${rawRules.length}`);
  const rules = rawRules.map((raw, index): RouteRule => {
    const rulePath = joinPath("spec.rules", index);
    const rule = asRecord(raw, rulePath);
    const rawBackends = arrayField(rule, "backendRefs", rulePath);
    if (isV1 && (rawBackends.length === 0 || rawBackends.length > 16)) {
      throw new FieldError(joinPath(rulePath, "backendRefs"), `TLSRoute v1 takes 1 to 16 backendRefs, got ${rawBackends.length}`);
    }
    return {
      name: optionalStringField(rule, "name", rulePath),
      backendRefs: rawBackends.map((backend, backendIndex) => readBackendRef(backend, joinPath(joinPath(rulePath, "backendRefs"), backendIndex))),
    };
  });
  const parentRefs = arrayField(spec, "parentRefs", "spec").map((raw, index) => readParentRef(raw, joinPath("spec.parentRefs", index)));
  return { meta, apiVersion, parentRefs, hostnames, rules };
}

function readParentRef(raw: unknown, path: string): ParentRef {
  const ref = asRecord(raw, path);
  return {
    group: optionalStringField(ref, "group", path) ?? GATEWAY_API_GROUP,
    kind: optionalStringField(ref, "kind", path) ?? "Gateway",
    namespace: optionalStringField(ref, "namespace", path),
    name: stringField(ref, "name", path),
    sectionName: optionalStringField(ref, "sectionName", path),
    port: optionalIntegerField(ref, "port", path, PORT_RANGE),
  };
}

function readBackendRef(raw: unknown, path: string): BackendRef {
  const ref = asRecord(raw, path);
  const group = optionalStringField(ref, "group", path) ?? "";
  const kind = optionalStringField(ref, "kind", path) ?? "Service";
  const port = optionalIntegerField(ref, "port", path, PORT_RANGE);
  // Same CEL rule as the CRD: a core Service reference must name its port.
  if (group === "" && kind === "Service" && port === undefined) {
    throw new FieldError(joinPath(path, "port"), "is required for a Service backendRef");
  }
  return {
    group,
    kind,
    name: stringField(ref, "name", path),
    namespace: optionalStringField(ref, "namespace", path),
    port,
    weight: optionalIntegerField(ref, "weight", path, WEIGHT_RANGE) ?? 1,
  };
}

export function normalizeReferenceGrant(object: JsonRecord): ReferenceGrant {
  const meta = readObjectMeta(object, true);
  const spec = recordField(object, "spec", "");
  const from = arrayField(spec, "from", "spec").map((raw, index) => {
    const path = joinPath("spec.from", index);
    const entry = asRecord(raw, path);
    return {
      group: optionalStringField(entry, "group", path) ?? "",
      kind: stringField(entry, "kind", path),
      namespace: stringField(entry, "namespace", path),
    };
  });
  const to = arrayField(spec, "to", "spec").map((raw, index) => {
    const path = joinPath("spec.to", index);
    const entry = asRecord(raw, path);
    const name = optionalStringField(entry, "name", path);
    return {
      group: optionalStringField(entry, "group", path) ?? "",
      kind: stringField(entry, "kind", path),
      name: name === "" ? undefined : name,
    };
  });
  if (from.length === 0) throw new FieldError("spec.from", "must list at least one entry");
  if (to.length === 0) throw new FieldError("spec.to", "must list at least one entry");
  return { meta, from, to };
}
