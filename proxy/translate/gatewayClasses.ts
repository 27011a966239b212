// Which GatewayClasses are Courier's, and their status.

import { ClassReason, ConditionType, condition } from "./conditions.ts";
import type { Condition, GatewayClassStatusPlan } from "../model/plan.ts";
import type { GatewayApiBundle, GatewayClass } from "../model/snapshot.ts";

/**
 * Gateway API features Courier implements completely, sorted by name. Only what is
 * true: no TLSRouteModeTerminate/Mixed (passthrough only), no HTTPRoute, no
 * GatewayStaticAddresses (addresses come from configuration, not spec.addresses).
 */
export const SUPPORTED_FEATURES: readonly string[] = ["Gateway", "ReferenceGrant", "TLSRoute"];

/** Whether the class names this Courier (its --controller-name) as its controller. */
export function isOurClass(gatewayClass: GatewayClass, controllerName: string): boolean {
  return gatewayClass.controllerName === controllerName;
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

/** Gateway API bundles Courier is built and tested against: v1.0 up to v1.6. */
const SUPPORTED_BUNDLE = /^v1\.([0-6])\.\d+$/;

/**
 * SupportedVersion from the installed CRDs' bundle-version annotation. It does not
 * change Accepted: an unexpected bundle is worth saying, not worth an outage.
 */
function supportedVersionCondition(bundle: GatewayApiBundle, generation: number): Condition {
  if (bundle.version !== undefined && SUPPORTED_BUNDLE.test(bundle.version)) {
    return condition(ConditionType.SupportedVersion, true, ClassReason.SupportedVersion, `Gateway API ${bundle.version} is supported`, generation);
  }
  const found = bundle.version === undefined ? "the Gateway API CRDs carry no bundle-version annotation" : `Gateway API ${bundle.version} is installed`;
  return condition(ConditionType.SupportedVersion, false, ClassReason.UnsupportedVersion, `${found}; Courier supports v1.0 to v1.6`, generation);
}

export function gatewayClassStatus(gatewayClass: GatewayClass, bundle: GatewayApiBundle | undefined): GatewayClassStatusPlan {
  const verdict = classVerdict(gatewayClass);
  const generation = gatewayClass.meta.generation;
  return {
    key: { name: gatewayClass.meta.name },
    conditions: [
      condition(
        ConditionType.Accepted,
        verdict.accepted,
        verdict.accepted ? ClassReason.Accepted : ClassReason.InvalidParameters,
        verdict.message,
        generation,
      ),
      ...(bundle === undefined ? [] : [supportedVersionCondition(bundle, generation)]),
    ],
    supportedFeatures: SUPPORTED_FEATURES.map((name) => ({ name })),
  };
}
