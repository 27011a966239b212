// EndpointSlices -> the endpoint addresses a backend may connect to.

import type { EndpointAddress } from "../model/plan.ts";
import type { Endpoint, EndpointSlice } from "../model/snapshot.ts";

const DIALABLE_ADDRESS_TYPES: ReadonlySet<string> = new Set(["IPv4", "IPv6"]);

function isReady(endpoint: Endpoint): boolean {
  // Kubernetes: a nil `ready` is to be read as ready. A terminating endpoint is never
  // taken as ready even when a hand-made slice says so.
  return (endpoint.conditions.ready ?? true) && endpoint.conditions.terminating !== true;
}

function isServingWhileTerminating(endpoint: Endpoint): boolean {
  return endpoint.conditions.terminating === true && (endpoint.conditions.serving ?? endpoint.conditions.ready ?? false);
}

/**
 * The endpoints of a Service (or ServiceImport) port, from the slices labelled with
 * its name. The Service port is found in each slice by port NAME ("" for an unnamed
 * port), as kube-proxy does; a slice without that port contributes nothing.
 *
 * Ready endpoints are used. Only when none is ready do terminating endpoints that
 * still report `serving` take connections (the same fallback kube-proxy applies), so
 * a rolling restart of the last replica drains instead of refusing. Each endpoint's
 * first address is used. The result is deduplicated and sorted.
 *
 * Only IPv4 and IPv6 slices count: an FQDN slice names hosts to resolve, which
 * kube-proxy does not do either. A dual-stack Service has one slice per family for
 * the same pods; IPv4 is then used, so that each pod is one endpoint, not two.
 */
export function endpointAddresses(slices: readonly EndpointSlice[], portName: string): readonly EndpointAddress[] {
  const ready: EndpointAddress[] = [];
  const terminating: EndpointAddress[] = [];
  const dualStack = slices.some((s) => s.addressType === "IPv4") && slices.some((s) => s.addressType === "IPv6");
  for (const slice of slices) {
    if (!DIALABLE_ADDRESS_TYPES.has(slice.addressType) || (dualStack && slice.addressType === "IPv6")) continue;
    const port = slice.ports.find((candidate) => candidate.name === portName)?.port;
    if (port === undefined) continue;
    for (const endpoint of slice.endpoints) {
      const host = endpoint.addresses[0];
      if (host === undefined) continue;
      if (isReady(endpoint)) ready.push({ host, port });
      else if (isServingWhileTerminating(endpoint)) terminating.push({ host, port });
    }
  }
  return uniqueSorted(ready.length > 0 ? ready : terminating);
}

function uniqueSorted(addresses: readonly EndpointAddress[]): readonly EndpointAddress[] {
  const byKey = new Map(addresses.map((address) => [`${address.host}|${address.port}`, address] as const));
  return [...byKey.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.port - b.port));
}
