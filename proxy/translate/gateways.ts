// A Gateway of ours -> its status: Accepted/Programmed plus per-listener status.

import { ConditionType, GatewayReason, condition } from "./conditions.ts";
import { listenerStatus, type EvaluatedListener } from "./listeners.ts";
import type { GatewayStatusPlan } from "../model/plan.ts";
import type { Gateway } from "../model/snapshot.ts";

/** A Gateway whose class is Courier's, with its listeners already evaluated. */
export interface ServedGateway {
  readonly gateway: Gateway;
  /** False when its GatewayClass is not accepted (then nothing of it is served). */
  readonly classAccepted: boolean;
  readonly classMessage: string;
  /** Set when the Gateway's own parametersRef is refused (then nothing of it is served). */
  readonly parametersProblem?: string;
  readonly listeners: readonly EvaluatedListener[];
}

/**
 * Accepted and Programmed follow the listeners: all valid -> Accepted; some invalid
 * -> still Accepted and Programmed (the valid ones serve) but with reason
 * ListenersNotValid naming the invalid ones; none usable -> both False.
 */
export function gatewayStatus(
  served: ServedGateway,
  attachedRoutes: (listenerName: string) => number,
  addresses: readonly { readonly type: string; readonly value: string }[],
): GatewayStatusPlan {
  const { gateway } = served;
  const generation = gateway.meta.generation;
  const listeners = served.listeners.map((evaluated) => listenerStatus(evaluated, attachedRoutes(evaluated.listener.name)));
  const key = { namespace: gateway.meta.namespace, name: gateway.meta.name };
  if (!served.classAccepted) {
    const message = `GatewayClass ${gateway.gatewayClassName} is not accepted: ${served.classMessage}`;
    return {
      key,
      addresses: [],
      listeners,
      conditions: [
        condition(ConditionType.Accepted, false, GatewayReason.Invalid, message, generation),
        condition(ConditionType.Programmed, false, GatewayReason.Invalid, message, generation),
      ],
    };
  }
  if (served.parametersProblem !== undefined) {
    return {
      key,
      addresses: [],
      listeners,
      conditions: [
        condition(ConditionType.Accepted, false, GatewayReason.InvalidParameters, served.parametersProblem, generation),
        condition(ConditionType.Programmed, false, GatewayReason.Invalid, served.parametersProblem, generation),
      ],
    };
  }
  const usable = served.listeners.filter((evaluated) => evaluated.usable).map((evaluated) => evaluated.listener.name);
  const problems = served.listeners.flatMap((evaluated) => (evaluated.problem === undefined ? [] : [evaluated.problem]));
  const invalidMessage = `Listeners not valid: ${problems.join("; ")}`;
  const accepted =
    problems.length === 0
      ? condition(ConditionType.Accepted, true, GatewayReason.Accepted, "Gateway accepted", generation)
      : condition(ConditionType.Accepted, usable.length > 0, GatewayReason.ListenersNotValid, invalidMessage, generation);
  const programmed =
    usable.length > 0
      ? condition(ConditionType.Programmed, true, GatewayReason.Programmed, `Programmed listeners: ${usable.join(", ")}`, generation)
      : condition(ConditionType.Programmed, false, GatewayReason.Invalid, `No listener can be programmed. ${invalidMessage}`, generation);
  return { key, addresses: usable.length > 0 ? addresses : [], listeners, conditions: [accepted, programmed] };
}
