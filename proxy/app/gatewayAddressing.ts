// Where each Gateway's listeners bind and what its status.addresses say, from
// the serve options: the Gateway's own spec.addresses IPAddress first, else one
// address of its own from --gateway-addresses-from, else --listen-address.
// Status reports --gateway-address when given, else the addresses of the proxy's
// own Service (--address-service: load-balancer ingress, else cluster IPs), else
// the bind address (nothing for a wildcard bind). The pool remembers assignments across Plans, so this
// lives here, outside translate(), which receives the result as plain data.
import type { ServeOptions } from "./cli.ts";
import { GatewayAddressPool } from "./gatewayAddressPool.ts";
import { keyOf, type Gateway, type Service } from "../model/snapshot.ts";
import { requestedAddress, type GatewayAddresses, type GatewayStatusAddress } from "../translate/translate.ts";

export interface GatewayAddressing {
  /**
   * The addresses of the Gateways Courier serves, keyed "namespace/name". Pool
   * addresses of Gateways no longer in the list are given back. `services` are
   * the Snapshot's, where the --address-service is looked up.
   */
  assign(gateways: readonly Gateway[], services?: readonly Service[]): ReadonlyMap<string, GatewayAddresses>;
}

/** What clients use to reach a Service: its load-balancer ingress, else its cluster IPs. */
export function serviceAddresses(service: Service): readonly GatewayStatusAddress[] {
  if (service.loadBalancerIngress.length > 0) return service.loadBalancerIngress;
  return service.clusterIPs.map((value) => ({ type: "IPAddress", value }));
}

export function gatewayAddressing(options: Pick<ServeOptions, "listenAddress" | "gatewayAddresses" | "gatewayAddressRange" | "addressService">): GatewayAddressing {
  const pool = options.gatewayAddressRange === undefined ? undefined : new GatewayAddressPool(options.gatewayAddressRange);
  const announced: readonly GatewayStatusAddress[] = options.gatewayAddresses.map((value) => ({ type: /^[\d.]+$|:/.test(value) ? "IPAddress" : "Hostname", value }));
  const wanted = options.addressService;
  return {
    assign(gateways, services = []) {
      const service = wanted === undefined ? undefined : services.find((s) => s.meta.namespace === wanted.namespace && s.meta.name === wanted.name);
      const fromService = service === undefined ? [] : serviceAddresses(service);
      const statusFor = (bind: string): readonly GatewayStatusAddress[] => {
        if (announced.length > 0) return announced;
        if (wanted !== undefined) return fromService;
        return bind === "0.0.0.0" || bind === "::" ? [] : [{ type: "IPAddress", value: bind }];
      };
      pool?.retainOnly(new Set(gateways.map((gateway) => keyOf(gateway.meta))));
      const result = new Map<string, GatewayAddresses>();
      for (const gateway of gateways) {
        const bind = requestedAddress(gateway) ?? pool?.addressOf(gateway.meta.namespace, gateway.meta.name) ?? options.listenAddress;
        result.set(keyOf(gateway.meta), { bind, status: statusFor(bind) });
      }
      return result;
    },
  };
}
