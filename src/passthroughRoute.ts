// A TLSRoute: SNI hostnames -> weighted backends, attached to passthrough Gateways.
// One PassthroughRoute is one TLSRoute with exactly one rule, which is what
// gateway.networking.k8s.io/v1 allows; several hostname groups with different
// backends are several routes (see PassthroughRouteSet).

import { ApiObject, Chart, Lazy } from "cdk8s";
import { Construct } from "constructs";
import { Backend, BackendKind } from "./backend.js";
import { BackendReferenceGrant, ReferenceGrantApiVersion } from "./backendReferenceGrant.js";
import { FALLBACK_ANNOTATION, IDLE_TIMEOUT_ANNOTATION, TCP_KEEPALIVE_ANNOTATION } from "./constants.js";
import { TlsRoute, TlsRouteV1Alpha2 } from "./imports/gateway.networking.k8s.io.js";
import type { IPassthroughGateway, PassthroughListener } from "./passthroughGateway.js";
import { checkGoDuration, toGoDuration, type DurationInput } from "./validation/durations.js";
import { checkHostname, hostnamesIntersect } from "./validation/hostnames.js";
import { invalid } from "./validation/messages.js";
import { checkLabelName, checkObjectName } from "./validation/names.js";
import { checkPort, checkWeight } from "./validation/numbers.js";

/** Which TLSRoute API version to write. */
export enum TlsRouteApiVersion {
  /** gateway.networking.k8s.io/v1, served by Gateway API v1.5 and later. */
  V1 = "v1",
  /**
   * gateway.networking.k8s.io/v1alpha2, for clusters with Gateway API older than v1.5;
   * ReferenceGrants the route generates are then written as v1beta1.
   */
  V1ALPHA2 = "v1alpha2",
}

/** What to do about backends in another namespace than the route's. */
export enum ReferenceGrantPolicy {
  /** Fail synth unless a BackendReferenceGrant in this app admits the backend. */
  REQUIRE = "Require",
  /** Generate the ReferenceGrants the route needs, in the backends' namespaces. */
  CREATE = "Create",
  /** Trust that the grants are managed outside this app (no check, nothing created). */
  EXTERNAL = "External",
}

/** Limits of a v1 TLSRoute (the v1alpha2 ones are the same or looser). */
const MAX_HOSTNAMES = 1024;
const MAX_BACKENDS = 16;
const MAX_PARENTS = 32;

export interface RouteParentOptions {
  /**
   * Attach only to the listener with this name.
   * @default every listener of the Gateway (narrowed by `port` if given)
   */
  readonly sectionName?: string;
  /**
   * Attach only to listeners on this port.
   * @default every port
   */
  readonly port?: number;
}

export interface PassthroughRouteOptions {
  /**
   * Parent Gateway to attach to; add more with attachTo().
   * @default none (at least one is required by synth time)
   */
  readonly gateway?: IPassthroughGateway;
  /**
   * Listener name on `gateway` (the parentRef's sectionName).
   * @default every listener
   */
  readonly sectionName?: string;
  /**
   * Listener port on `gateway` (the parentRef's port), for attaching without naming a listener.
   * @default every port
   */
  readonly port?: number;
  /**
   * Close a connection after this long with no bytes either way. Database
   * sessions idle for hours; give them a long one (e.g. "2h").
   * @default the proxy's default
   */
  readonly idleTimeout?: DurationInput;
  /**
   * TCP keepalive initial delay for the client and backend sockets, so that NATs and
   * load balancers keep idle connections open.
   * @default the proxy's default
   */
  readonly tcpKeepalive?: DurationInput;
  /**
   * TLSRoute API version to write.
   * @default TlsRouteApiVersion.V1
   */
  readonly apiVersion?: TlsRouteApiVersion;
  /**
   * How backends in another namespace are admitted.
   * @default ReferenceGrantPolicy.REQUIRE
   */
  readonly referenceGrants?: ReferenceGrantPolicy;
  /** Extra labels on the TLSRoute. @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra annotations on the TLSRoute. @default none */
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface PassthroughRouteProps extends PassthroughRouteOptions {
  /**
   * metadata.name of the TLSRoute.
   * @default the construct id
   */
  readonly name?: string;
  /**
   * Namespace of the TLSRoute.
   * @default the chart's namespace, else "default"
   */
  readonly namespace?: string;
  /**
   * SNI hostnames this route serves: exact names or "*.suffix" wildcards.
   * v1 needs 1..1024 of them.
   */
  readonly hostnames?: readonly string[];
  /**
   * Backends that share new connections by weight; add more with addBackend().
   * @default none (at least one backend is required by synth time)
   */
  readonly backends?: readonly Backend[];
  /**
   * Backends used only while no weighted backend can take a connection. They are
   * written with weight 0 and the route gets `courier.dev/fallback: "true"`.
   * @default none
   */
  readonly fallbackBackends?: readonly Backend[];
}

interface Parent {
  readonly gateway: IPassthroughGateway;
  readonly options: RouteParentOptions;
}

/** A TLS passthrough route (one TLSRoute) served by Courier. */
export class PassthroughRoute extends Construct {
  /** The generated TLSRoute object, for escape-hatch changes. */
  public readonly apiObject: ApiObject;
  public readonly name: string;
  public readonly namespace: string;
  public readonly apiVersion: TlsRouteApiVersion;
  private readonly hostnameList: string[] = [];
  private readonly backendList: Backend[] = [];
  private readonly fallbackList: Backend[] = [];
  private readonly parents: Parent[] = [];
  private readonly grantPolicy: ReferenceGrantPolicy;
  private readonly generatedGrants = new Map<string, BackendReferenceGrant>();
  private readonly durations: readonly (readonly [string, string])[];

  public constructor(scope: Construct, id: string, props: PassthroughRouteProps = {}) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? "default";
    this.apiVersion = props.apiVersion ?? TlsRouteApiVersion.V1;
    this.grantPolicy = props.referenceGrants ?? ReferenceGrantPolicy.REQUIRE;

    const durations: [string, string][] = [];
    if (props.idleTimeout !== undefined) durations.push([IDLE_TIMEOUT_ANNOTATION, toGoDuration(props.idleTimeout)]);
    if (props.tcpKeepalive !== undefined) durations.push([TCP_KEEPALIVE_ANNOTATION, toGoDuration(props.tcpKeepalive)]);
    this.durations = durations;
    const annotations: Record<string, string> = { ...props.annotations };
    for (const [key, value] of durations) annotations[key] = value;

    const metadata = {
      name: this.name,
      namespace: this.namespace,
      ...(props.labels === undefined ? {} : { labels: { ...props.labels } }),
      ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
    };
    // Lazy so that hostnames, backends and parents added later are rendered too.
    const spec = {
      parentRefs: Lazy.any({ produce: () => this.renderParentRefs() }),
      // An empty list is left out: v1alpha2 then matches every SNI name.
      hostnames: Lazy.any({ produce: () => (this.hostnameList.length === 0 ? undefined : [...this.hostnameList]) }),
      rules: Lazy.any({ produce: () => [{ backendRefs: this.renderBackendRefs() }] }),
    };
    this.apiObject =
      this.apiVersion === TlsRouteApiVersion.V1
        ? new TlsRoute(this, "Resource", { metadata, spec })
        : new TlsRouteV1Alpha2(this, "Resource", { metadata, spec });

    if (props.gateway !== undefined) {
      this.attachTo(props.gateway, {
        ...(props.sectionName === undefined ? {} : { sectionName: props.sectionName }),
        ...(props.port === undefined ? {} : { port: props.port }),
      });
    }
    for (const hostname of props.hostnames ?? []) this.addHostname(hostname);
    for (const backend of props.backends ?? []) this.addBackend(backend);
    for (const backend of props.fallbackBackends ?? []) this.addFallbackBackend(backend);
    this.node.addValidation({ validate: () => this.validateRoute() });
  }

  /** The SNI hostnames added so far. */
  public get hostnames(): readonly string[] {
    return [...this.hostnameList];
  }

  /** Every backend, weighted ones first, then fallbacks (weight 0). */
  public get backends(): readonly Backend[] {
    return [...this.backendList, ...this.fallbackList];
  }

  /** Serves one more SNI hostname. */
  public addHostname(hostname: string): void {
    this.hostnameList.push(hostname);
  }

  /** Attaches the route to a Gateway, optionally to one listener (sectionName) or port. */
  public attachTo(gateway: IPassthroughGateway, options: RouteParentOptions = {}): void {
    this.parents.push({ gateway, options });
  }

  /** Adds a backend that shares new connections by its weight. */
  public addBackend(backend: Backend): void {
    this.backendList.push(backend);
    this.grantIfNeeded(backend);
  }

  /**
   * Adds a backend that takes connections only while no weighted backend can; it is
   * written with weight 0 and marks the route with `courier.dev/fallback: "true"`.
   */
  public addFallbackBackend(backend: Backend): void {
    if (this.fallbackList.length === 0) this.apiObject.metadata.addAnnotation(FALLBACK_ANNOTATION, "true");
    const fallback = backend.withWeight(0);
    this.fallbackList.push(fallback);
    this.grantIfNeeded(fallback);
  }

  private backendNamespace(backend: Backend): string {
    return backend.options.namespace ?? this.namespace;
  }

  /** With ReferenceGrantPolicy.CREATE, one grant per backend namespace, named after the route. */
  private grantIfNeeded(backend: Backend): void {
    const namespace = this.backendNamespace(backend);
    if (this.grantPolicy !== ReferenceGrantPolicy.CREATE || namespace === this.namespace) return;
    let grant = this.generatedGrants.get(namespace);
    if (grant === undefined) {
      grant = new BackendReferenceGrant(this, `ReferenceGrant-${namespace}`, {
        name: `${this.name}-from-${this.namespace}`,
        namespace,
        fromNamespaces: [this.namespace],
        // A cluster that only serves TLSRoute v1alpha2 predates ReferenceGrant v1 too.
        apiVersion: this.apiVersion === TlsRouteApiVersion.V1 ? ReferenceGrantApiVersion.V1 : ReferenceGrantApiVersion.V1BETA1,
      });
      this.generatedGrants.set(namespace, grant);
    }
    grant.addTarget({ kind: backend.kind, name: backend.name });
  }

  private renderParentRefs(): Record<string, string | number>[] {
    return this.parents.map(({ gateway, options }) => ({
      name: gateway.name,
      ...(gateway.namespace === this.namespace ? {} : { namespace: gateway.namespace }),
      ...(options.sectionName === undefined ? {} : { sectionName: options.sectionName }),
      ...(options.port === undefined ? {} : { port: options.port }),
    }));
  }

  private renderBackendRefs(): Record<string, string | number>[] {
    return this.backends.map((backend) => ({
      ...(backend.kind === BackendKind.SERVICE ? {} : { group: backend.group, kind: backend.kind }),
      name: backend.name,
      ...(backend.options.namespace === undefined || backend.options.namespace === this.namespace ? {} : { namespace: backend.options.namespace }),
      port: backend.port,
      ...(backend.options.weight === undefined ? {} : { weight: backend.options.weight }),
    }));
  }

  private validateRoute(): string[] {
    const errors: string[] = [];
    const push = (e: string | undefined): void => {
      if (e !== undefined) errors.push(e);
    };
    push(checkObjectName("metadata.name", this.name));
    push(checkLabelName("metadata.namespace", this.namespace));
    for (const [key, value] of this.durations) push(checkGoDuration(`metadata.annotations["${key}"]`, value));
    this.validateHostnames(errors, push);
    this.validateBackends(errors, push);
    this.validateParents(errors, push);
    return errors;
  }

  private validateHostnames(errors: string[], push: (e: string | undefined) => void): void {
    if (this.hostnameList.length === 0 && this.apiVersion === TlsRouteApiVersion.V1) {
      errors.push(invalid("spec.hostnames", "a v1 TLSRoute needs at least one hostname", "pass `hostnames: [\"db.example.com\"]` (SNI names clients send)"));
    }
    if (this.hostnameList.length > MAX_HOSTNAMES) {
      errors.push(invalid("spec.hostnames", `${this.hostnameList.length} hostnames exceed the limit of ${MAX_HOSTNAMES}`, "split them across several routes, or use a wildcard such as \"*.example.com\""));
    }
    for (const [i, hostname] of this.hostnameList.entries()) push(checkHostname(`spec.hostnames[${i}]`, hostname));
  }

  private validateBackends(errors: string[], push: (e: string | undefined) => void): void {
    const all = this.backends;
    if (all.length === 0) {
      errors.push(invalid("spec.rules[0].backendRefs", "the route has no backend", "pass `backends: [Backend.fromServiceName(\"app\", { port: 443 })]` or call addBackend()"));
    }
    if (all.length > MAX_BACKENDS) {
      errors.push(invalid("spec.rules[0].backendRefs", `${all.length} backends exceed the limit of ${MAX_BACKENDS} per rule`, "split the hostnames across several routes, or put the endpoints behind fewer Services"));
    }
    const grants = this.node.root.node.findAll().filter((c): c is BackendReferenceGrant => c instanceof BackendReferenceGrant);
    for (const [i, backend] of all.entries()) {
      const field = `spec.rules[0].backendRefs[${i}]`;
      const namespace = this.backendNamespace(backend);
      push(checkObjectName(`${field}.name`, backend.name));
      push(checkLabelName(`${field}.namespace`, namespace));
      push(checkPort(`${field}.port`, backend.port));
      if (backend.options.weight !== undefined) push(checkWeight(`${field}.weight`, backend.options.weight));
      if (backend.looksServerFirst && backend.options.allowServerFirstProtocol !== true) {
        errors.push(
          invalid(
            field,
            `${backend.describe(this.namespace)} looks like MySQL, a server-first protocol: the server speaks before the client and no TLS ClientHello (so no SNI) ever reaches the proxy, so it cannot be routed by hostname`,
            "expose MySQL through its own Service/LoadBalancer port instead of a passthrough route; if this port really carries a client-first TLS protocol, set `allowServerFirstProtocol: true` on the backend",
          ),
        );
      }
      if (namespace !== this.namespace && this.grantPolicy === ReferenceGrantPolicy.REQUIRE) {
        if (!grants.some((g) => g.permits(this.namespace, backend, namespace))) {
          errors.push(
            invalid(
              field,
              `${backend.describe(this.namespace)} is in another namespace than the route (${this.namespace}) and no ReferenceGrant in this app admits it`,
              `add a BackendReferenceGrant in namespace ${namespace} from namespace ${this.namespace}, set \`referenceGrants: ReferenceGrantPolicy.CREATE\` to generate one, or ReferenceGrantPolicy.EXTERNAL if it is managed elsewhere`,
            ),
          );
        }
      }
    }
  }

  private validateParents(errors: string[], push: (e: string | undefined) => void): void {
    if (this.parents.length === 0) {
      errors.push(invalid("spec.parentRefs", "the route is attached to no Gateway, so no listener will ever serve it", "pass `gateway` or call attachTo(gateway)"));
    }
    if (this.parents.length > MAX_PARENTS) {
      errors.push(invalid("spec.parentRefs", `${this.parents.length} parents exceed the limit of ${MAX_PARENTS}`, "attach to fewer Gateways"));
    }
    for (const [i, { gateway, options }] of this.parents.entries()) {
      const field = `spec.parentRefs[${i}]`;
      if (options.port !== undefined) push(checkPort(`${field}.port`, options.port));
      if (options.sectionName !== undefined) push(checkLabelName(`${field}.sectionName`, options.sectionName));
      if (gateway.listeners === undefined) continue; // defined elsewhere: nothing to check against
      const gatewayId = `Gateway ${gateway.namespace}/${gateway.name}`;
      const selected = gateway.listeners.filter(
        (l) => (options.sectionName === undefined || l.name === options.sectionName) && (options.port === undefined || l.port === options.port),
      );
      if (selected.length === 0) {
        const available = gateway.listeners.map((l) => `${l.name} (port ${l.port})`).join(", ") || "none";
        const wanted = [options.sectionName === undefined ? "" : `named ${JSON.stringify(options.sectionName)}`, options.port === undefined ? "" : `on port ${options.port}`].filter(Boolean).join(" ");
        errors.push(invalid(field, `${gatewayId} has no listener ${wanted}`, `use one of its listeners: ${available}`));
        continue;
      }
      const admitting = selected.filter((l) => l.allowedRoutes.admits(gateway.namespace, this.namespace) !== false);
      if (admitting.length === 0) {
        errors.push(
          invalid(
            field,
            `listener ${selected.map((l) => JSON.stringify(l.name)).join(", ")} of ${gatewayId} admits routes only from namespace ${gateway.namespace} (allowedRoutes from: Same), and this route is in ${this.namespace}`,
            `move the route to namespace ${gateway.namespace}, or give the listener allowedRoutes: AllowedRoutes.allNamespaces() or namespacesWithLabels(...)`,
          ),
        );
        continue;
      }
      this.validateHostnameIntersection(errors, field, gatewayId, admitting);
    }
  }

  private validateHostnameIntersection(errors: string[], field: string, gatewayId: string, listeners: readonly PassthroughListener[]): void {
    for (const [i, hostname] of this.hostnameList.entries()) {
      if (listeners.some((l) => hostnamesIntersect(l.hostname, hostname))) continue;
      const listenerHosts = listeners.map((l) => `${l.name}: ${l.hostname ?? "(any)"}`).join(", ");
      errors.push(
        invalid(
          `spec.hostnames[${i}]`,
          `${JSON.stringify(hostname)} matches no listener hostname of ${gatewayId} selected by ${field} (${listenerHosts}), so connections for it would never reach this route`,
          "change the hostname, or attach to a listener whose hostname covers it",
        ),
      );
    }
  }
}
