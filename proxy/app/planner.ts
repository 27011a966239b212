// The one place a Snapshot becomes a Plan: addresses are decided first (they
// depend on history: the pool keeps what it gave), then handed to the pure
// translate() as data. One TranslateMemo per planner: each Plan reuses what the
// previous one computed from unchanged inputs (same Plan as a full translation).
import type { ServeOptions } from "./cli.ts";
import { gatewayAddressing } from "./gatewayAddressing.ts";
import type { Plan } from "../model/plan.ts";
import type { Snapshot } from "../model/snapshot.ts";
import { ourGateways, translate, type TranslateOptions } from "../translate/translate.ts";
import { TranslateMemo } from "../translate/translateMemo.ts";

export type Planner = (snapshot: Snapshot) => Plan;

export function planner(
  options: Pick<ServeOptions, "controllerName" | "portOffset" | "listenAddress" | "gatewayAddresses" | "gatewayAddressRange" | "addressService">,
  /** File mode: a Gateway whose GatewayClass is not among the files is taken as Courier's. */
  assumeClassesOurs: boolean,
  /** Off: every Plan translated from scratch (the oracle tests compare the two). */
  incremental = true,
): Planner {
  const addressing = gatewayAddressing(options);
  const base: TranslateOptions = { controllerName: options.controllerName, portOffset: options.portOffset, assumeClassesOurs };
  const memo = incremental ? new TranslateMemo() : undefined;
  return (snapshot) => translate(snapshot, { ...base, gatewayAddresses: addressing.assign(ourGateways(snapshot, base), snapshot.services) }, memo);
}
