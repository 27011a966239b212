// Which GatewayClasses are Courier's, and their status.

import { ClassReason, ConditionType, condition } from "./conditions.ts";
import { CONTROLLER_NAME, type GatewayClassStatusPlan } from "./plan.ts";
import type { GatewayClass } from "./snapshot.ts";

/**
 * Gateway API features Courier implements completely, sorted by name. Only what is
 * true: no TLSRouteModeTerminate/Mixed (passthrough only), no HTTPRoute, no
 * GatewayStaticAddresses (addresses come from configuration, not spec.addresses).
 */
export const SUPPORTED_FEATURES: readonly string[] = ["Gateway", "ReferenceGrant", "TLSRoute"];

export function isOurClass(gatewayClass: GatewayClass): boolean {
  return gatewayClass.controllerName === CONTROLLER_NAME;
}

export interface ClassVerdict {
  readonly accepted: boolean;
  readonly message: string;
}

/** Courier takes no parameters, so any parametersRef is one it cannot honour. */
export function classVerdict(gatewayClass: GatewayClass): ClassVerdict {
  const ref = gatewayClass.parametersRef;
  if (ref === undefined) return { accepted: true, message: "Accepted by Courier" };
  const kind = ref.group === "" ? ref.kind : `${ref.kind}.${ref.group}`;
  return { accepted: false, message: `parametersRef ${kind} ${ref.namespace === undefined ? "" : `${ref.namespace}/`}${ref.name} is not supported: Courier takes no parameters` };
}

export function gatewayClassStatus(gatewayClass: GatewayClass): GatewayClassStatusPlan {
  const verdict = classVerdict(gatewayClass);
  return {
    key: { name: gatewayClass.meta.name },
    conditions: [
      condition(
        ConditionType.Accepted,
        verdict.accepted,
        verdict.accepted ? ClassReason.Accepted : ClassReason.InvalidParameters,
        verdict.message,
        gatewayClass.meta.generation,
      ),
    ],
    supportedFeatures: SUPPORTED_FEATURES.map((name) => ({ name })),
  };
}
