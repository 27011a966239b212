// The local endpoints file of file mode: Service (or ServiceImport) name/namespace/port
// -> host:port list. It is turned into the Service and EndpointSlice objects a cluster
// would have, so that file mode and the controller share one translate().
//
//   services:
//     - namespace: default
//       name: secure-service
//       kind: Service            # or ServiceImport; default Service
//       ports:
//         - port: 443
//           endpoints: ["127.0.0.1:9443", "127.0.0.2:9443", "[::1]:9443"]
//
// Endpoints are IP addresses, IPv4 or IPv6 (in brackets), one slice per family as
// in a dual-stack cluster. A hostname is refused: translate() dials IPv4 and IPv6
// slices only, as kube-proxy does, so a name would be dropped without a word.

import { isIP } from "node:net";
import { DISCOVERY_API_GROUP, MCS_API_GROUP } from "../../../contract/index.ts";

export interface EndpointsFileError {
  readonly path: string;
  readonly message: string;
}

export interface EndpointsFileObjects {
  readonly objects: readonly unknown[];
  readonly errors: readonly EndpointsFileError[];
}

const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
const IMPORT_NAME_LABEL = "multicluster.kubernetes.io/service-name";

/** Splits "host:port" or "[v6]:port". */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (match[1] ?? match[2])!, port };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Reads the parsed YAML of an endpoints file. Entries with errors are left out and reported. */
export function endpointsFileObjects(document: unknown): EndpointsFileObjects {
  const errors: EndpointsFileError[] = [];
  const objects: unknown[] = [];
  if (document === null || document === undefined) return { objects, errors };
  if (!isRecord(document) || !Array.isArray(document.services)) {
    return { objects, errors: [{ path: "services", message: "expected a list under `services:`" }] };
  }
  document.services.forEach((entry: unknown, i: number) => {
    const at = `services[${i}]`;
    if (!isRecord(entry)) return errors.push({ path: at, message: "expected a mapping with namespace, name and ports" });
    const namespace = entry.namespace ?? "default";
    const name = entry.name;
    const kind = entry.kind ?? "Service";
    if (typeof namespace !== "string" || !DNS_LABEL.test(namespace)) return errors.push({ path: `${at}.namespace`, message: `not a valid namespace name: ${JSON.stringify(namespace)}` });
    if (typeof name !== "string" || !DNS_LABEL.test(name)) return errors.push({ path: `${at}.name`, message: `not a valid Service name: ${JSON.stringify(name)}` });
    if (kind !== "Service" && kind !== "ServiceImport") return errors.push({ path: `${at}.kind`, message: `must be Service or ServiceImport, not ${JSON.stringify(kind)}` });
    if (!Array.isArray(entry.ports)) return errors.push({ path: `${at}.ports`, message: "expected a list of {port, endpoints}" });

    const servicePorts: { name: string; port: number }[] = [];
    // One EndpointSlice per (service port, endpoint port): a slice has one port per name.
    const slices = new Map<string, { portName: string; port: number; family: 4 | 6; hosts: string[] }>();
    entry.ports.forEach((p: unknown, j: number) => {
      const pat = `${at}.ports[${j}]`;
      if (!isRecord(p)) return errors.push({ path: pat, message: "expected {port, endpoints}" });
      const port = p.port;
      if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) return errors.push({ path: `${pat}.port`, message: `not a port number 1..65535: ${JSON.stringify(port)}` });
      if (!Array.isArray(p.endpoints)) return errors.push({ path: `${pat}.endpoints`, message: 'expected a list of "host:port"' });
      const portName = `port-${port}`;
      servicePorts.push({ name: portName, port });
      p.endpoints.forEach((e: unknown, k: number) => {
        const address = typeof e === "string" ? parseHostPort(e) : undefined;
        if (address === undefined) return errors.push({ path: `${pat}.endpoints[${k}]`, message: `expected "host:port", got ${JSON.stringify(e)}` });
        const family = isIP(address.host);
        if (family !== 4 && family !== 6) return errors.push({ path: `${pat}.endpoints[${k}]`, message: `${JSON.stringify(e)}: give an IP address, not a name (IPv6 in brackets: "[::1]:${address.port}")` });
        // IPv4 slices keep the names they had before IPv6 endpoints were accepted.
        const key = family === 4 ? `${port}-${address.port}` : `${port}-${address.port}-v6`;
        let slice = slices.get(key);
        if (slice === undefined) slices.set(key, (slice = { portName, port: address.port, family, hosts: [] }));
        slice.hosts.push(address.host);
      });
    });

    objects.push(
      kind === "Service"
        ? { apiVersion: "v1", kind: "Service", metadata: { namespace, name }, spec: { type: "ClusterIP", ports: servicePorts } }
        : { apiVersion: `${MCS_API_GROUP}/v1alpha1`, kind: "ServiceImport", metadata: { namespace, name }, spec: { type: "ClusterSetIP", ports: servicePorts.map((sp) => ({ ...sp, protocol: "TCP" })) } },
    );
    for (const [key, slice] of slices) {
      objects.push({
        apiVersion: `${DISCOVERY_API_GROUP}/v1`,
        kind: "EndpointSlice",
        metadata: {
          namespace,
          name: `${name}-${key}`,
          labels: { [kind === "Service" ? SERVICE_NAME_LABEL : IMPORT_NAME_LABEL]: name },
        },
        addressType: slice.family === 4 ? "IPv4" : "IPv6",
        ports: [{ name: slice.portName, port: slice.port, protocol: "TCP" }],
        endpoints: slice.hosts.map((host) => ({ addresses: [host], conditions: { ready: true } })),
      });
    }
  });
  return { objects, errors };
}
