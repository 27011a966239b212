// What the data plane could not do, told in status: a listener whose socket could
// not be bound is not Programmed, and neither is its Gateway, until a later bind
// succeeds. Applied to a translated Plan, so translate() itself stays free of I/O.
import { hostPort } from "../lib/hostPort.ts";
import type { Condition, GatewayStatusPlan, ListenerStatusPlan, Plan, SocketFailure } from "../model/plan.ts";
import { ConditionType, GatewayReason, ListenerReason, condition } from "./conditions.ts";

function replaced(conditions: readonly Condition[], next: Condition): Condition[] {
  return conditions.map((existing) => (existing.type === next.type ? next : existing));
}

/** The Plan with every listener (and Gateway) of an unbound socket marked Programmed=False. */
export function withSocketFailures(plan: Plan, failures: readonly SocketFailure[]): Plan {
  if (failures.length === 0) return plan;
  // "namespace/name" -> listener name -> why its socket is not bound.
  const unbound = new Map<string, Map<string, string>>();
  for (const failure of failures) {
    const port = plan.ports.find((candidate) => candidate.address === failure.address && candidate.port === failure.port);
    for (const ref of port?.listeners ?? []) {
      const perGateway = unbound.get(ref.gateway) ?? new Map<string, string>();
      unbound.set(ref.gateway, perGateway);
      perGateway.set(ref.listener, `cannot listen on ${hostPort(failure.address, failure.port)}: ${failure.message}; retrying`);
    }
  }
  const gateways = plan.gateways.map((gateway): GatewayStatusPlan => {
    const failed = unbound.get(gateway.key.namespace === undefined ? gateway.key.name : `${gateway.key.namespace}/${gateway.key.name}`);
    if (failed === undefined) return gateway;
    const generation = gateway.conditions[0]?.observedGeneration ?? 0;
    const listeners = gateway.listeners.map((listener): ListenerStatusPlan => {
      const why = failed.get(listener.name);
      if (why === undefined) return listener;
      return { ...listener, conditions: replaced(listener.conditions, condition(ConditionType.Programmed, false, ListenerReason.Pending, why, generation)) };
    });
    const message = `Listeners not programmed: ${[...failed].map(([name, why]) => `${name} (${why})`).join("; ")}`;
    return { ...gateway, listeners, conditions: replaced(gateway.conditions, condition(ConditionType.Programmed, false, GatewayReason.Pending, message, generation)) };
  });
  return { ...plan, gateways };
}
