// What `courier check` reports beyond loading: the Gateway API verdicts translate()
// reached (listeners not served or in conflict, routes not accepted, references not
// resolved, hostnames another route wins) as problems that name the object, the
// field and a fix. Pure: the caller loads and translates, and says where each object
// came from.
import { ConditionType, ListenerReason, RouteReason } from "../translate/conditions.ts";
import { resolveBackendRef } from "../translate/backends.ts";
import { indexSnapshot, namespacedKey, type SnapshotIndex } from "../translate/snapshotIndex.ts";
import { GATEWAY_API_GROUP, MCS_API_GROUP, FALLBACK_ANNOTATION } from "../../contract/index.ts";
import type { Condition, ParentRefPlan, Plan } from "../model/plan.ts";
import { keyOf, type BackendRef, type ParentRef, type Snapshot, type TLSRoute } from "../model/snapshot.ts";

export interface ConfigProblem {
  readonly severity: "error" | "warning";
  /** "Kind namespace/name". */
  readonly object: string;
  /** "file.yaml#N", when known. */
  readonly source?: string;
  /** Field path in the object, e.g. "spec.parentRefs[0]"; "" for the whole object. */
  readonly field: string;
  readonly message: string;
  readonly fix: string;
}

export interface CheckInput {
  readonly snapshot: Snapshot;
  readonly plan: Plan;
  /** Where an object came from, by kind, namespace ("" when cluster-scoped) and name. */
  readonly sourceOf: (kind: string, namespace: string, name: string) => string | undefined;
  /**
   * Services and ServiceImports are known (an endpoints file was given). Without it a
   * backendRef to a Service that is not in the files is cluster state, not a mistake.
   */
  readonly backendsKnown: boolean;
}

export interface CheckResult {
  readonly problems: readonly ConfigProblem[];
  /** backendRefs whose Service or ServiceImport could not be checked (not in the inputs). */
  readonly uncheckedBackends: number;
}

const failed = (conditions: readonly Condition[], type: string): Condition | undefined => conditions.find((c) => c.type === type && c.status === "False");
const isTrue = (conditions: readonly Condition[], type: string): Condition | undefined => conditions.find((c) => c.type === type && c.status === "True");

function listenerFix(reason: string, message: string): string {
  switch (reason) {
    case ListenerReason.HostnameConflict:
      return "give each listener on this port a hostname of its own, or merge them into one";
    case ListenerReason.ProtocolConflict:
      return "put tls.mode Terminate and Passthrough listeners on different ports (Courier serves only Passthrough)";
    case ListenerReason.UnsupportedProtocol:
      return "Courier serves protocol: TLS with tls.mode: Passthrough; serve other protocols with another GatewayClass";
    case ListenerReason.InvalidRouteKinds:
      return "list only {group: gateway.networking.k8s.io, kind: TLSRoute} in allowedRoutes.kinds";
    default:
      return /tls\.mode/.test(message) ? "set tls.mode: Passthrough (a tls block without mode means Terminate)" : "see the message; the listener is not served until it is fixed";
  }
}

function parentFix(reason: string, message: string, gateway: string, listenerNames: readonly string[]): string {
  if (reason === RouteReason.NoMatchingParent) return `set sectionName/port to a listener of Gateway ${gateway} (${listenerNames.join(", ") || "it has none"}), or leave them out`;
  if (reason === RouteReason.NoMatchingListenerHostname) return "give the route a hostname inside the listener's hostname, or attach it to another listener with sectionName";
  if (/does not allow routes from namespace/.test(message)) return "let the listener admit the route's namespace (allowedRoutes.namespaces.from: All, or a Selector its labels match), or create the route in the Gateway's namespace";
  if (/does not allow TLSRoute/.test(message)) return "add TLSRoute to the listener's allowedRoutes.kinds";
  return "fix the listener first: see the Gateway's problems";
}

function backendFix(reason: string, ref: BackendRef, route: TLSRoute): string {
  const namespace = ref.namespace ?? route.meta.namespace;
  switch (reason) {
    case RouteReason.RefNotPermitted:
      return `add a ReferenceGrant in namespace ${namespace} with from {group: ${GATEWAY_API_GROUP}, kind: TLSRoute, namespace: ${route.meta.namespace}} and to {group: "${ref.group}", kind: ${ref.kind}, name: ${ref.name}}`;
    case RouteReason.InvalidKind:
      return `point the backendRef at a Service or a ${MCS_API_GROUP} ServiceImport`;
    case RouteReason.UnsupportedValue:
      return "use a Service with a selector (or EndpointSlices of its own) instead of an ExternalName Service";
    case RouteReason.UnsupportedProtocol:
      return "reference a TCP port of the Service";
    default:
      return `create ${ref.kind} ${namespace}/${ref.name} with port ${ref.port ?? "(the backendRef's port)"}, or correct the backendRef's name, namespace and port`;
  }
}

function sameParent(plan: ParentRefPlan, ref: ParentRef): boolean {
  return plan.group === ref.group && plan.kind === ref.kind && plan.name === ref.name && plan.namespace === ref.namespace && plan.sectionName === ref.sectionName && plan.port === ref.port;
}

function referenced(index: SnapshotIndex, ref: BackendRef, route: TLSRoute): boolean {
  const key = namespacedKey(ref.namespace ?? route.meta.namespace, ref.name);
  return ref.kind === "ServiceImport" ? index.serviceImports.has(key) : index.services.has(key);
}

export function checkConfiguration(input: CheckInput): CheckResult {
  const { snapshot, plan } = input;
  const index = indexSnapshot(snapshot);
  const problems: ConfigProblem[] = [];
  let uncheckedBackends = 0;
  const add = (severity: ConfigProblem["severity"], kind: string, namespace: string, name: string, field: string, message: string, fix: string): void => {
    const source = input.sourceOf(kind, namespace, name);
    problems.push({ severity, object: `${kind} ${namespace === "" ? name : `${namespace}/${name}`}`, ...(source === undefined ? {} : { source }), field, message, fix });
  };

  for (const status of plan.gatewayClasses) {
    const accepted = failed(status.conditions, ConditionType.Accepted);
    if (accepted !== undefined) add("error", "GatewayClass", "", status.key.name, "spec", accepted.message, "remove spec.parametersRef: Courier takes no parameters");
  }

  for (const status of plan.gateways) {
    const namespace = status.key.namespace ?? "";
    const gateway = snapshot.gateways.find((g) => g.meta.namespace === namespace && g.meta.name === status.key.name);
    const accepted = failed(status.conditions, ConditionType.Accepted);
    if (accepted !== undefined && accepted.reason !== "ListenersNotValid") add("error", "Gateway", namespace, status.key.name, "spec", accepted.message, "fix the Gateway (its class or spec.infrastructure) as the message says");
    for (const listener of status.listeners) {
      const at = gateway?.listeners.findIndex((l) => l.name === listener.name) ?? -1;
      const field = at < 0 ? "spec.listeners" : `spec.listeners[${at}]`;
      const conflicted = isTrue(listener.conditions, ConditionType.Conflicted);
      const notAccepted = failed(listener.conditions, ConditionType.Accepted);
      const kinds = failed(listener.conditions, ConditionType.ResolvedRefs);
      const problem = conflicted ?? notAccepted ?? (kinds?.reason === ListenerReason.InvalidRouteKinds ? kinds : undefined);
      if (problem === undefined) continue;
      add("error", "Gateway", namespace, status.key.name, problem === kinds ? `${field}.allowedRoutes.kinds` : field, `listener ${listener.name}: ${problem.message}`, listenerFix(problem.reason, problem.message));
    }
  }

  const ours = new Set(plan.gateways.map((g) => namespacedKey(g.key.namespace ?? "", g.key.name)));
  for (const route of snapshot.tlsRoutes) {
    const { namespace, name } = route.meta;
    const status = plan.routes.find((r) => r.key.namespace === namespace && r.key.name === name);
    route.parentRefs.forEach((ref, i) => {
      if (ref.group !== GATEWAY_API_GROUP || ref.kind !== "Gateway") return;
      const gatewayKey = namespacedKey(ref.namespace ?? namespace, ref.name);
      const gateway = index.gateways.get(gatewayKey);
      if (gateway === undefined) {
        add("error", "TLSRoute", namespace, name, `spec.parentRefs[${i}]`, `parent Gateway ${gatewayKey} not found`, "correct the parentRef's name and namespace, or add the Gateway");
        return;
      }
      if (!ours.has(gatewayKey)) {
        add("warning", "TLSRoute", namespace, name, `spec.parentRefs[${i}]`, `parent Gateway ${gatewayKey} has GatewayClass ${gateway.gatewayClassName}, which is not Courier's`, "use a Gateway of a GatewayClass whose controllerName is Courier's");
        return;
      }
      const parent = status?.parents.find((p) => sameParent(p.parentRef, ref));
      const accepted = parent === undefined ? undefined : failed(parent.conditions, ConditionType.Accepted);
      if (accepted !== undefined) {
        add("error", "TLSRoute", namespace, name, `spec.parentRefs[${i}]`, `not accepted by Gateway ${gatewayKey}: ${accepted.message}`, parentFix(accepted.reason, accepted.message, gatewayKey, gateway.listeners.map((l) => l.name)));
      }
    });
    let weighted = false;
    route.rules.forEach((rule, r) => {
      rule.backendRefs.forEach((ref, b) => {
        if (ref.weight > 0) weighted = true;
        const resolved = resolveBackendRef(route, ref, index);
        const problem = resolved.problem;
        if (problem === undefined) return;
        if (problem.reason === RouteReason.BackendNotFound && !input.backendsKnown && ref.port !== undefined && !referenced(index, ref, route)) {
          uncheckedBackends++;
          return;
        }
        add("error", "TLSRoute", namespace, name, `spec.rules[${r}].backendRefs[${b}]`, problem.message, backendFix(problem.reason, ref, route));
      });
    });
    const refs = route.rules.flatMap((rule) => rule.backendRefs);
    if (refs.length > 0 && !weighted && route.meta.annotations[FALLBACK_ANNOTATION] !== "true") {
      add("warning", "TLSRoute", namespace, name, "spec.rules[0].backendRefs", "every backendRef has weight 0: every connection is refused", `give a backendRef a weight, or annotate the route ${FALLBACK_ANNOTATION}: "true"`);
    }
  }

  for (const warning of plan.warnings) {
    const match = /^(GatewayClass|Gateway|TLSRoute) (\S+): (.*)$/.exec(warning);
    if (match === null) {
      problems.push({ severity: "warning", object: "configuration", field: "", message: warning, fix: "" });
      continue;
    }
    const kind = match[1]!;
    const key = match[2]!;
    const message = match[3]!;
    // Parents not found are reported above, per parentRef.
    if (kind === "TLSRoute" && / not found$/.test(message)) continue;
    const slash = key.indexOf("/");
    const namespace = slash < 0 ? "" : key.slice(0, slash);
    const name = slash < 0 ? key : key.slice(slash + 1);
    const shadowed = /^hostname (\S+) on /.exec(message);
    if (shadowed !== null) {
      const route = snapshot.tlsRoutes.find((r) => keyOf(r.meta) === key);
      const at = route?.hostnames.indexOf(shadowed[1]!) ?? -1;
      add("warning", kind, namespace, name, at < 0 ? "spec.hostnames" : `spec.hostnames[${at}]`, message, "give each route hostnames of its own; the older route (then the name first in order) keeps a shared one");
    } else if (/taken as Courier's$/.test(message)) {
      add("warning", kind, namespace, name, "spec.gatewayClassName", message, "add the GatewayClass to the files checked (dist/courier-proxy.k8s.yaml has Courier's)");
    } else {
      add("error", kind, namespace, name, /annotation|courier\.dev\//.test(message) ? "metadata.annotations" : "", message, "correct the value as the message says; until then it is ignored");
    }
  }
  return { problems, uncheckedBackends };
}
