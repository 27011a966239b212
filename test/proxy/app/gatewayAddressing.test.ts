import { describe, expect, test } from "bun:test";
import { gatewayAddressing, type GatewayAddressing } from "../../../proxy/app/gatewayAddressing.ts";
import { parseAddressRange } from "../../../proxy/app/addressRange.ts";
import type { Gateway, Service, Snapshot } from "../../../proxy/model/snapshot.ts";
import { ourGateways, translate } from "../../../proxy/translate/translate.ts";
import { conformanceSnapshot, gatewayStatusOf } from "../translate/translateFixtures.ts";

const GATEWAYS = [
  "gw-tlsroute-exact-hostname-x-1",
  "gw-tlsroute-more-specific-wc-hostname-x-2",
  "gw-tlsroute-less-specific-wc-hostname-x-3",
  "gw-tlsroute-empty-hostname-x-4",
];

/** translate() with the addresses `addressing` decides for the Gateways it serves, as courier serve does. */
function translateWith(addressing: GatewayAddressing, snapshot: Snapshot) {
  return translate(snapshot, { gatewayAddresses: addressing.assign(ourGateways(snapshot)) });
}

function gateway(name: string, addresses: Gateway["addresses"] = []): Gateway {
  return { meta: { namespace: "ns", name, generation: 1 } as Gateway["meta"], gatewayClassName: "courier", listeners: [], addresses };
}

describe("gateway addressing (courier serve)", () => {
  test("--gateway-addresses-from: four Gateways on port 443 each bind, and report, an address of their own", () => {
    const addressing = gatewayAddressing({ listenAddress: "0.0.0.0", gatewayAddresses: [], gatewayAddressRange: parseAddressRange("127.0.0.10-127.0.0.250"), addressService: undefined });
    const plan = translateWith(addressing, conformanceSnapshot("tlsroute-hostname-intersection.yaml"));
    const sockets = plan.ports.map((port) => `${port.address}:${port.port}`);
    expect(plan.ports.every((port) => port.port === 443)).toBe(true);
    expect(new Set(sockets).size).toBe(4);
    for (const name of GATEWAYS) {
      const status = gatewayStatusOf(plan, name).addresses;
      expect(status).toHaveLength(1);
      expect(status[0]!.type).toBe("IPAddress");
      expect(sockets).toContain(`${status[0]!.value}:443`);
      const last = Number(status[0]!.value.split(".")[3]);
      expect(status[0]!.value.startsWith("127.0.0.") && last >= 10 && last <= 250).toBe(true);
    }
    // The same Plan again: nobody moves.
    const again = translateWith(addressing, conformanceSnapshot("tlsroute-hostname-intersection.yaml"));
    expect(again.ports.map((port) => `${port.address}:${port.port}`)).toEqual(sockets);
  });

  test("spec.addresses wins over the pool; a Gateway no longer served gives its address back", () => {
    const addressing = gatewayAddressing({ listenAddress: "0.0.0.0", gatewayAddresses: [], gatewayAddressRange: parseAddressRange("127.0.0.10-127.0.0.10"), addressService: undefined });
    const first = addressing.assign([gateway("pinned", [{ type: "IPAddress", value: "127.0.0.99" }]), gateway("a"), gateway("b")]);
    expect(first.get("ns/pinned")?.bind).toBe("127.0.0.99");
    expect(first.get("ns/a")?.bind).toBe("127.0.0.10");
    // The one-address range is used up: the next Gateway falls back to --listen-address.
    expect(first.get("ns/b")?.bind).toBe("0.0.0.0");
    expect(first.get("ns/b")?.status).toEqual([]);
    // "a" is no longer served: its address goes to "b".
    expect(addressing.assign([gateway("b")]).get("ns/b")?.bind).toBe("127.0.0.10");
  });

  test("without a range: --listen-address binds and --gateway-address is what status says", () => {
    const plain = gatewayAddressing({ listenAddress: "127.0.0.1", gatewayAddresses: [], gatewayAddressRange: undefined, addressService: undefined });
    expect(plain.assign([gateway("a")]).get("ns/a")).toEqual({ bind: "127.0.0.1", status: [{ type: "IPAddress", value: "127.0.0.1" }] });
    const announced = gatewayAddressing({ listenAddress: "0.0.0.0", gatewayAddresses: ["203.0.113.7", "gw.example.com"], gatewayAddressRange: undefined, addressService: undefined });
    expect(announced.assign([gateway("a")]).get("ns/a")?.status).toEqual([
      { type: "IPAddress", value: "203.0.113.7" },
      { type: "Hostname", value: "gw.example.com" },
    ]);
  });

  test("--address-service: Gateways report the proxy Service's load-balancer ingress, else its cluster IPs, else nothing yet", () => {
    const addressing = gatewayAddressing({ listenAddress: "0.0.0.0", gatewayAddresses: [], gatewayAddressRange: undefined, addressService: { namespace: "courier-system", name: "courier" } });
    const service = (loadBalancerIngress: Service["loadBalancerIngress"]): Service => ({
      meta: { namespace: "courier-system", name: "courier", generation: 1 } as Service["meta"],
      type: "LoadBalancer",
      ports: [],
      clusterIPs: ["10.96.0.20"],
      loadBalancerIngress,
    });
    expect(addressing.assign([gateway("a")], []).get("ns/a")).toEqual({ bind: "0.0.0.0", status: [] });
    expect(addressing.assign([gateway("a")], [service([])]).get("ns/a")?.status).toEqual([{ type: "IPAddress", value: "10.96.0.20" }]);
    const ingress = [{ type: "IPAddress", value: "203.0.113.9" }, { type: "Hostname", value: "lb.example.com" }] as const;
    expect(addressing.assign([gateway("a")], [service(ingress)]).get("ns/a")?.status).toEqual(ingress);
    // A Gateway's own spec.addresses still decides where it binds.
    expect(addressing.assign([gateway("b", [{ type: "IPAddress", value: "127.0.0.7" }])], [service(ingress)]).get("ns/b")).toEqual({ bind: "127.0.0.7", status: ingress });
  });

  test("IPv6: spec.addresses and pool addresses bind and report as given; the dual-stack wildcard reports nothing", () => {
    const addressing = gatewayAddressing({ listenAddress: "::", gatewayAddresses: [], gatewayAddressRange: parseAddressRange("fd00:10::/120"), addressService: undefined });
    const assigned = addressing.assign([gateway("pinned", [{ type: "IPAddress", value: "::1" }]), gateway("pooled")]);
    expect(assigned.get("ns/pinned")).toEqual({ bind: "::1", status: [{ type: "IPAddress", value: "::1" }] });
    const pooled = assigned.get("ns/pooled")!;
    expect(pooled.bind).toMatch(/^fd00:10::[0-9a-f]{1,2}$/);
    expect(pooled.status).toEqual([{ type: "IPAddress", value: pooled.bind! }]);
    const wildcard = gatewayAddressing({ listenAddress: "::", gatewayAddresses: [], gatewayAddressRange: undefined, addressService: undefined });
    expect(wildcard.assign([gateway("a")]).get("ns/a")).toEqual({ bind: "::", status: [] });
  });
});
