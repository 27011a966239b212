// Where Gateways that name no address bind by default: both families where the
// host has IPv6, else IPv4 as before. Both families are one socket on "::":
// Bun turns IPV6_V6ONLY off on it whatever net.ipv6.bindv6only says, so IPv4
// clients arrive on it as ::ffff:a.b.c.d (lib/hostPort.ts shows them as IPv4).
//
// Decided once at start by binding the IPv6 loopback on a free port: that fails
// on a kernel without IPv6 (EAFNOSUPPORT) and where IPv6 is disabled
// (EADDRNOTAVAIL), the two hosts that must keep "0.0.0.0". Reading
// /proc/net/if_inet6 instead would be Linux-only and miss a seccomp refusal.

export type WildcardAddress = "::" | "0.0.0.0";

function canBindIpv6Loopback(): boolean {
  try {
    Bun.listen({ hostname: "::1", port: 0, socket: { data() {} } }).stop(true);
    return true;
  } catch {
    return false;
  }
}

export function wildcardAddress(hasIpv6: () => boolean = canBindIpv6Loopback): WildcardAddress {
  return hasIpv6() ? "::" : "0.0.0.0";
}
