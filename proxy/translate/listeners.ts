// A Gateway's listeners -> which ones Courier serves, and each one's status
// conditions. Courier serves exactly one kind of listener: protocol TLS with
// tls.mode Passthrough, carrying TLSRoutes.

import { ConditionType, ListenerReason, condition } from "./conditions.ts";
import type { Condition, ListenerStatusPlan } from "../model/plan.ts";
import { GATEWAY_API_GROUP } from "../../contract/index.ts";
import type { Gateway, GroupKind, Listener } from "../model/snapshot.ts";

const TLS_ROUTE_KIND: GroupKind = { group: GATEWAY_API_GROUP, kind: "TLSRoute" };
const NAMESPACE_POLICIES: ReadonlySet<string> = new Set(["Same", "All", "Selector"]);

export interface EvaluatedListener {
  readonly listener: Listener;
  /** Routes may attach to it and its port is programmed. */
  readonly usable: boolean;
  /** Route kinds it takes: TLSRoute or nothing. */
  readonly supportedKinds: readonly GroupKind[];
  /** Accepted, Programmed, ResolvedRefs, Conflicted: none depends on which routes attach. */
  readonly conditions: readonly Condition[];
  /** Set when the listener is not fully valid: one line for the Gateway's message. */
  readonly problem?: string;
}

interface AcceptVerdict {
  readonly accepted: boolean;
  readonly reason: string;
  readonly message: string;
  /** Conflicted=True with this reason when set. */
  readonly conflict?: string;
}

function isPassthrough(listener: Listener): boolean {
  return listener.tlsMode === "Passthrough";
}

/**
 * Acceptance in precedence order. Mixed Terminate/Passthrough on one port is a
 * ProtocolConflict for every TLS listener on that port (the TLSRoute conformance
 * suite requires it even for the Terminate one); a lone Terminate listener is an
 * UnsupportedValue; two Passthrough listeners with one port and hostname conflict.
 */
function acceptVerdict(listener: Listener, tlsOnSamePort: readonly Listener[]): AcceptVerdict {
  if (listener.protocol !== "TLS") {
    return {
      accepted: false,
      reason: ListenerReason.UnsupportedProtocol,
      message: `protocol ${listener.protocol} is not supported: Courier serves only protocol TLS with tls.mode Passthrough`,
    };
  }
  const modes = new Set(tlsOnSamePort.map(isPassthrough));
  if (modes.size > 1) {
    return {
      accepted: false,
      reason: ListenerReason.ProtocolConflict,
      message: `port ${listener.port} mixes tls.mode Terminate and Passthrough, which Courier does not support on one port`,
      conflict: ListenerReason.ProtocolConflict,
    };
  }
  if (!isPassthrough(listener)) {
    return {
      accepted: false,
      reason: ListenerReason.UnsupportedValue,
      message: `tls.mode ${listener.tlsMode ?? "(missing)"} is not supported: Courier only passes TLS through (tls.mode: Passthrough)`,
    };
  }
  const sameHostname = tlsOnSamePort.filter((other) => other.hostname === listener.hostname);
  if (sameHostname.length > 1) {
    return {
      accepted: false,
      reason: ListenerReason.HostnameConflict,
      message: `listeners ${sameHostname.map((other) => other.name).join(", ")} share port ${listener.port} and hostname ${listener.hostname ?? "(none)"}`,
      conflict: ListenerReason.HostnameConflict,
    };
  }
  if (!NAMESPACE_POLICIES.has(listener.allowedRoutes.from)) {
    return {
      accepted: false,
      reason: ListenerReason.UnsupportedValue,
      message: `allowedRoutes.namespaces.from ${listener.allowedRoutes.from} is not one of Same, All, Selector`,
    };
  }
  return { accepted: true, reason: ListenerReason.Accepted, message: "TLS passthrough listener accepted" };
}

function routeKinds(listener: Listener): { readonly supported: readonly GroupKind[]; readonly invalid: readonly GroupKind[] } {
  if (listener.allowedRoutes.kinds === undefined) return { supported: [TLS_ROUTE_KIND], invalid: [] };
  const isTlsRoute = (kind: GroupKind) => kind.group === TLS_ROUTE_KIND.group && kind.kind === TLS_ROUTE_KIND.kind;
  const supported = listener.allowedRoutes.kinds.some(isTlsRoute) ? [TLS_ROUTE_KIND] : [];
  return { supported, invalid: listener.allowedRoutes.kinds.filter((kind) => !isTlsRoute(kind)) };
}

/**
 * Evaluates every listener of a Gateway. `programmable` is false when the Gateway as
 * a whole cannot be served (its GatewayClass is not accepted): no listener is then
 * programmed, whatever its own merits.
 */
export function evaluateListeners(gateway: Gateway, programmable: boolean): readonly EvaluatedListener[] {
  const generation = gateway.meta.generation;
  return gateway.listeners.map((listener) => {
    const tlsOnSamePort = gateway.listeners.filter((other) => other.protocol === "TLS" && other.port === listener.port);
    const verdict = acceptVerdict(listener, tlsOnSamePort);
    const kinds = verdict.accepted ? routeKinds(listener) : { supported: [], invalid: [] };
    const usable = programmable && verdict.accepted && kinds.supported.length > 0;
    const describeKind = (kind: GroupKind) => `${kind.group === "" ? "" : `${kind.group}/`}${kind.kind}`;
    // A listener Courier does not serve has nothing resolved on its behalf (its
    // certificateRefs are never read), and the message says so.
    const kindsMessage =
      kinds.invalid.length === 0
        ? verdict.accepted
          ? "All references resolved"
          : "Nothing to resolve: the listener is not served"
        : `unsupported route kinds: ${kinds.invalid.map(describeKind).join(", ")} (Courier supports ${describeKind(TLS_ROUTE_KIND)})`;
    const programmedMessage = usable
      ? "Listener programmed"
      : !verdict.accepted
        ? `Listener not programmed: ${verdict.message}`
        : !programmable
          ? "Listener not programmed: the Gateway is not accepted"
          : "Listener not programmed: it allows no route kind Courier supports";
    const conditions = [
      condition(ConditionType.Accepted, verdict.accepted, verdict.reason, verdict.message, generation),
      condition(ConditionType.Programmed, usable, usable ? ListenerReason.Programmed : ListenerReason.Invalid, programmedMessage, generation),
      condition(
        ConditionType.ResolvedRefs,
        kinds.invalid.length === 0,
        kinds.invalid.length === 0 ? ListenerReason.ResolvedRefs : ListenerReason.InvalidRouteKinds,
        kindsMessage,
        generation,
      ),
      condition(
        ConditionType.Conflicted,
        verdict.conflict !== undefined,
        verdict.conflict ?? ListenerReason.NoConflicts,
        verdict.conflict === undefined ? "No conflicts" : verdict.message,
        generation,
      ),
    ];
    const problem = !verdict.accepted
      ? `listener ${listener.name}: ${verdict.message}`
      : kinds.invalid.length > 0
        ? `listener ${listener.name}: ${kindsMessage}`
        : !usable
          ? `listener ${listener.name}: ${programmedMessage}`
          : undefined;
    return { listener, usable, supportedKinds: kinds.supported, conditions, problem };
  });
}

export function listenerStatus(evaluated: EvaluatedListener, attachedRoutes: number): ListenerStatusPlan {
  return {
    name: evaluated.listener.name,
    supportedKinds: evaluated.supportedKinds,
    attachedRoutes,
    conditions: evaluated.conditions,
  };
}
