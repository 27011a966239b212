import { describe, expect, test } from "bun:test";
import { gatewayAddressing } from "../../../proxy/app/gatewayAddressing.ts";
import { parseIpv4Range } from "../../../proxy/app/gatewayAddressPool.ts";
import type { Gateway } from "../../../proxy/model/snapshot.ts";
import { translate } from "../../../proxy/translate/translate.ts";
import { conformanceSnapshot, gatewayStatusOf } from "../translate/translateFixtures.ts";

const GATEWAYS = [
  "gw-tlsroute-exact-hostname-x-1",
  "gw-tlsroute-more-specific-wc-hostname-x-2",
  "gw-tlsroute-less-specific-wc-hostname-x-3",
  "gw-tlsroute-empty-hostname-x-4",
];

function gateway(name: string, addresses: Gateway["addresses"] = []): Gateway {
  return { meta: { namespace: "ns", name, generation: 1 } as Gateway["meta"], gatewayClassName: "courier", listeners: [], addresses };
}

describe("gateway addressing (courier serve)", () => {
  test("--gateway-addresses-from: four Gateways on port 443 each bind, and report, an address of their own", () => {
    const addressing = gatewayAddressing({ listenAddress: "0.0.0.0", gatewayAddresses: [], gatewayAddressRange: parseIpv4Range("127.0.0.10-127.0.0.250") });
    const plan = translate(conformanceSnapshot("tlsroute-hostname-intersection.yaml"), addressing);
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
    const again = translate(conformanceSnapshot("tlsroute-hostname-intersection.yaml"), addressing);
    expect(again.ports.map((port) => `${port.address}:${port.port}`)).toEqual(sockets);
  });

  test("spec.addresses wins over the pool; a Gateway no longer served gives its address back", () => {
    const addressing = gatewayAddressing({ listenAddress: "0.0.0.0", gatewayAddresses: [], gatewayAddressRange: parseIpv4Range("127.0.0.10-127.0.0.10") });
    expect(addressing.addressFor(gateway("pinned", [{ type: "IPAddress", value: "127.0.0.99" }]))).toBe("127.0.0.99");
    expect(addressing.addressFor(gateway("a"))).toBe("127.0.0.10");
    // The one-address range is used up: the next Gateway falls back to --listen-address.
    expect(addressing.addressFor(gateway("b"))).toBe("0.0.0.0");
    expect(addressing.statusAddresses(gateway("b"))).toEqual([]);
    addressing.retain({ ports: [], gatewayClasses: [], gateways: [], routes: [], warnings: [] });
    expect(addressing.addressFor(gateway("b"))).toBe("127.0.0.10");
  });

  test("without a range: --listen-address binds and --gateway-address is what status says", () => {
    const plain = gatewayAddressing({ listenAddress: "127.0.0.1", gatewayAddresses: [], gatewayAddressRange: undefined });
    expect(plain.addressFor(gateway("a"))).toBe("127.0.0.1");
    expect(plain.statusAddresses(gateway("a"))).toEqual([{ type: "IPAddress", value: "127.0.0.1" }]);
    const announced = gatewayAddressing({ listenAddress: "0.0.0.0", gatewayAddresses: ["203.0.113.7", "gw.example.com"], gatewayAddressRange: undefined });
    expect(announced.statusAddresses(gateway("a"))).toEqual([
      { type: "IPAddress", value: "203.0.113.7" },
      { type: "Hostname", value: "gw.example.com" },
    ]);
  });
});
