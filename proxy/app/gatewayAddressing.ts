// Where each Gateway's listeners bind and what its status.addresses say, from
// the serve options: the Gateway's own spec.addresses IPAddress first, else one
// address of its own from --gateway-addresses-from, else --listen-address.
// Status reports --gateway-address when given, else the bind address (nothing
// for a wildcard bind).
import type { ServeOptions } from "./cli.ts";
import { GatewayAddressPool } from "./gatewayAddressPool.ts";
import type { Plan } from "../model/plan.ts";
import type { Gateway } from "../model/snapshot.ts";
import { requestedAddress, type TranslateOptions } from "../translate/translate.ts";

export interface GatewayAddressing {
  readonly addressFor: NonNullable<TranslateOptions["addressFor"]>;
  readonly statusAddresses: NonNullable<TranslateOptions["statusAddresses"]>;
  /** Frees the pool addresses of Gateways the applied Plan no longer serves. */
  retain(plan: Plan): void;
}

export function gatewayAddressing(options: Pick<ServeOptions, "listenAddress" | "gatewayAddresses" | "gatewayAddressRange">): GatewayAddressing {
  const pool = options.gatewayAddressRange === undefined ? undefined : new GatewayAddressPool(options.gatewayAddressRange);
  const addressFor = (gateway: Gateway): string =>
    requestedAddress(gateway) ??
    pool?.addressOf(gateway.meta.namespace, gateway.meta.name) ??
    options.listenAddress;
  return {
    addressFor,
    statusAddresses: (gateway) => {
      if (options.gatewayAddresses.length > 0) return options.gatewayAddresses.map((value) => ({ type: /^[\d.]+$|:/.test(value) ? "IPAddress" : "Hostname", value }));
      const bound = addressFor(gateway);
      return bound === "0.0.0.0" || bound === "::" ? [] : [{ type: "IPAddress", value: bound }];
    },
    retain: (plan) => pool?.retainOnly(new Set(plan.gateways.map((gateway) => `${gateway.key.namespace}/${gateway.key.name}`))),
  };
}
