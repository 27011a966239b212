// A small cluster that changes at random, as raw Kubernetes objects the way the
// watches deliver them: objects come, change and go, and besides real spec changes
// there are status writes, resourceVersion bumps, managedFields and annotations
// Courier does not read. Names, hostnames and ports come from small pools, so that
// routes conflict, share backends, cross namespaces and miss their parents. Namespace
// and class names are parameters, so a world can live on a shared API server
// (test/cluster/controllerOracle.test.ts).
import { COURIER_CONTROLLER_NAME, FALLBACK_ANNOTATION, IDLE_TIMEOUT_ANNOTATION, MCS_API_GROUP } from "../../../contract/index.ts";

export type RawObject = Record<string, unknown> & {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [field: string]: unknown };
};

const GW = "gateway.networking.k8s.io";
const HOSTNAMES = ["a.example.com", "b.example.com", "*.example.com", "x.a.example.com", "c.other.org", "*.other.org"];
const TIMESTAMPS = ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"];

/** Everything a watch could say next: an object added or changed (undefined `after`: deleted). */
export interface WorldEvent {
  readonly key: string;
  readonly before: RawObject | undefined;
  readonly after: RawObject | undefined;
}

/** The names a world uses that must not meet other tests' on a shared API server. */
export interface WorldNames {
  /** Three namespaces; Gateways live in the first two. */
  readonly namespaces: readonly [string, string, string];
  /** Courier's GatewayClass, with `controllerName`. */
  readonly ourClass: string;
  readonly controllerName: string;
  /** A GatewayClass of another controller. */
  readonly otherClass: string;
  /** A GatewayClass name no object has. */
  readonly missingClass: string;
}

export const DEFAULT_WORLD_NAMES: WorldNames = {
  namespaces: ["ns-a", "ns-b", "ns-c"],
  ourClass: "courier",
  controllerName: COURIER_CONTROLLER_NAME,
  otherClass: "other",
  missingClass: "missing",
};

export class RandomWorld {
  /** The objects as the API server has them, by informer key "kind namespace/name". */
  readonly objects = new Map<string, RawObject>();
  private version = 1;

  constructor(
    private readonly random: () => number,
    private readonly names: WorldNames = DEFAULT_WORLD_NAMES,
  ) {}

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  private meta(name: string, namespace: string | undefined, generation: number): RawObject["metadata"] & { labels: Record<string, string> } {
    return {
      name,
      ...(namespace === undefined ? {} : { namespace }),
      generation,
      resourceVersion: String(this.version++),
      creationTimestamp: this.pick(TIMESTAMPS),
      managedFields: [{ manager: "kubectl", operation: "Apply", time: "2026-01-01T00:00:00Z" }],
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": `{"v":${this.version}}`,
        ...(this.chance(0.2) ? { [IDLE_TIMEOUT_ANNOTATION]: this.pick(["30s", "soon", "0s"]) } : {}),
        ...(this.chance(0.1) ? { [FALLBACK_ANNOTATION]: this.pick(["true", "maybe"]) } : {}),
      },
      labels: { team: this.pick(["a", "b"]), ...(this.chance(0.3) ? { noise: String(this.version) } : {}) },
    };
  }

  private gatewayClass(name: string): RawObject {
    return { apiVersion: `${GW}/v1`, kind: "GatewayClass", metadata: this.meta(name, undefined, 1), spec: { controllerName: name === this.names.otherClass ? "example.com/other" : this.names.controllerName } };
  }

  private listener(index: number): Record<string, unknown> {
    const protocol = this.chance(0.9) ? "TLS" : "TCP";
    return {
      name: `l${index}`,
      port: this.pick([443, 443, 8443]),
      protocol,
      ...(protocol === "TLS" ? { tls: { mode: this.chance(0.9) ? "Passthrough" : "Terminate" } } : {}),
      ...(this.chance(0.4) ? { hostname: this.pick(["*.example.com", "a.example.com", "*.other.org"]) } : {}),
      allowedRoutes: { namespaces: this.pick([{ from: "Same" }, { from: "All" }, { from: "All" }, { from: "Selector", selector: { matchLabels: { team: "a" } } }]) },
    };
  }

  private gateway(name: string, namespace: string): RawObject {
    const listeners = Array.from({ length: 1 + Math.floor(this.random() * 2) }, (_, i) => this.listener(i));
    const our = this.names.ourClass;
    return {
      apiVersion: `${GW}/v1`,
      kind: "Gateway",
      metadata: this.meta(name, namespace, 1 + Math.floor(this.random() * 3)),
      spec: { gatewayClassName: this.pick([our, our, our, this.names.otherClass, this.names.missingClass]), listeners },
    };
  }

  private backendRef(): Record<string, unknown> {
    const imported = this.chance(0.15);
    return {
      ...(imported ? { group: MCS_API_GROUP, kind: "ServiceImport" } : this.chance(0.05) ? { group: "example.com", kind: "Bucket" } : {}),
      name: imported ? this.pick(["imp-0", "imp-1"]) : this.pick(["svc-0", "svc-1", "svc-2", "svc-3", "svc-4"]),
      ...(this.chance(0.3) ? { namespace: this.pick(this.names.namespaces) } : {}),
      port: this.pick([443, 443, 443, 80]),
      ...(this.chance(0.3) ? { weight: this.pick([0, 1, 5]) } : {}),
    };
  }

  private route(name: string, namespace: string): RawObject {
    const parents = Array.from({ length: 1 + Math.floor(this.random() * 2) }, () => ({
      name: this.pick(["gw-0", "gw-1", "gw-2"]),
      ...(this.chance(0.5) ? { namespace: this.pick(this.names.namespaces) } : {}),
      ...(this.chance(0.15) ? { sectionName: this.pick(["l0", "l1"]) } : {}),
      ...(this.chance(0.1) ? { port: this.pick([443, 8443]) } : {}),
    }));
    const hostnames = [...new Set(Array.from({ length: 1 + Math.floor(this.random() * 2) }, () => this.pick(HOSTNAMES)))];
    return {
      apiVersion: `${GW}/v1`,
      kind: "TLSRoute",
      metadata: this.meta(name, namespace, 1 + Math.floor(this.random() * 5)),
      spec: { parentRefs: parents, hostnames, rules: [{ backendRefs: Array.from({ length: 1 + Math.floor(this.random() * 2) }, () => this.backendRef()) }] },
    };
  }

  private service(name: string, namespace: string): RawObject {
    const external = this.chance(0.05);
    return {
      apiVersion: "v1",
      kind: "Service",
      metadata: this.meta(name, namespace, 1),
      spec: external ? { type: "ExternalName", externalName: "db.example.net" } : { ports: [{ name: "tls", port: this.pick([443, 443, 80]), protocol: this.chance(0.95) ? "TCP" : "UDP", targetPort: 8443 }] },
    };
  }

  private serviceImport(name: string, namespace: string): RawObject {
    return { apiVersion: `${MCS_API_GROUP}/v1alpha1`, kind: "ServiceImport", metadata: this.meta(name, namespace, 1), spec: { type: "ClusterSetIP", ports: [{ name: "tls", port: 443, protocol: "TCP" }] } };
  }

  private slice(name: string, namespace: string): RawObject {
    const owner = name.replace(/-s\d$/, "");
    const label = owner.startsWith("imp-") ? "multicluster.kubernetes.io/service-name" : "kubernetes.io/service-name";
    const endpoints = Array.from({ length: Math.floor(this.random() * 3) }, () => ({
      addresses: [`10.0.0.${1 + Math.floor(this.random() * 4)}`],
      conditions: this.pick([{ ready: true }, { ready: false }, { ready: false, serving: true, terminating: true }, {}]),
    }));
    const metadata = this.meta(name, namespace, 1);
    return { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { ...metadata, labels: { ...metadata.labels, [label]: owner } }, addressType: "IPv4", ports: [{ name: this.pick(["tls", "tls", "other"]), port: 8443, protocol: "TCP" }], endpoints };
  }

  private grant(name: string, namespace: string): RawObject {
    return {
      apiVersion: `${GW}/v1beta1`,
      kind: "ReferenceGrant",
      metadata: this.meta(name, namespace, 1),
      spec: { from: [{ group: GW, kind: "TLSRoute", namespace: this.pick(this.names.namespaces) }], to: [{ group: this.pick(["", MCS_API_GROUP]), kind: this.pick(["Service", "ServiceImport"]), ...(this.chance(0.5) ? { name: this.pick(["svc-0", "svc-1", "imp-0"]) } : {}) }] },
    };
  }

  private namespace(name: string): RawObject {
    return { apiVersion: "v1", kind: "Namespace", metadata: this.meta(name, undefined, 0) };
  }

  /** A fresh spec for one object of a random kind and name. */
  private fresh(): RawObject {
    const namespace = this.pick(this.names.namespaces);
    switch (this.pick(["route", "route", "route", "route", "service", "slice", "slice", "slice", "gateway", "class", "grant", "namespace", "import"])) {
      case "route":
        return this.route(`route-${Math.floor(this.random() * 10)}`, namespace);
      case "service":
        return this.service(`svc-${Math.floor(this.random() * 6)}`, namespace);
      case "slice":
        return this.slice(`${this.pick(["svc-0", "svc-1", "svc-2", "svc-3", "svc-4", "svc-5", "imp-0", "imp-1"])}-s${Math.floor(this.random() * 2)}`, namespace);
      case "gateway":
        return this.gateway(this.pick(["gw-0", "gw-1", "gw-2"]), this.pick(this.names.namespaces.slice(0, 2)));
      case "class":
        return this.gatewayClass(this.pick([this.names.ourClass, this.names.otherClass]));
      case "grant":
        return this.grant(`grant-${Math.floor(this.random() * 3)}`, namespace);
      case "namespace":
        return this.namespace(this.pick(this.names.namespaces));
      default:
        return this.serviceImport(`imp-${Math.floor(this.random() * 2)}`, namespace);
    }
  }

  static key(object: RawObject): string {
    return `${object.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name}`;
  }

  next(): WorldEvent {
    const existing = [...this.objects.values()];
    let after: RawObject;
    if (existing.length > 0 && this.chance(0.35)) {
      // Same spec, new resourceVersion: a status write, or metadata Courier does not read.
      const object = this.pick(existing);
      const metadata = { ...object.metadata, resourceVersion: String(this.version++), managedFields: [{ manager: "courier", time: String(this.version) }] };
      after = { ...object, metadata, status: { seen: this.version } };
    } else if (existing.length > 0 && this.chance(0.1)) {
      const object = this.pick(existing);
      const key = RandomWorld.key(object);
      this.objects.delete(key);
      return { key, before: object, after: undefined };
    } else {
      after = this.fresh();
    }
    const key = RandomWorld.key(after);
    const before = this.objects.get(key);
    this.objects.set(key, after);
    return { key, before, after };
  }
}
