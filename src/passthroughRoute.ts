// A TLSRoute: SNI hostnames -> weighted backends, attached to passthrough Gateways.
// One PassthroughRoute is one TLSRoute with exactly one rule, which is what
// gateway.networking.k8s.io/v1 allows; several hostname groups with different
// backends are several routes (see PassthroughRouteSet).

import { ApiObject, Chart, Lazy } from "cdk8s";
import { Construct } from "constructs";
import { BackendKind, type Backend } from "./backend.js";
import { BackendReferenceGrant, ReferenceGrantApiVersion } from "./backendReferenceGrant.js";
import { FALLBACK_ANNOTATION, IDLE_TIMEOUT_ANNOTATION, PROXY_PROTOCOL_ANNOTATION, TCP_KEEPALIVE_ANNOTATION } from "../contract/index.js";
import { TlsRoute, TlsRouteV1Alpha2 } from "./imports/gateway.networking.k8s.io.js";
import type { IPassthroughGateway } from "./passthroughGateway.js";
import { ReferenceGrantPolicy, TlsRouteApiVersion, type PassthroughRouteOptions, type RouteParent, type RouteParentOptions } from "./routeOptions.js";
import { healthCheckAnnotations } from "./healthCheck.js";
import { checkGoDuration, toGoDuration } from "./validation/durations.js";
import { checkHealthCheck } from "./validation/healthChecks.js";
import { checkHostname } from "./validation/hostnames.js";
import { checkProxyProtocol } from "./validation/proxyProtocol.js";
import { invalid } from "./validation/messages.js";
import { checkLabelName, checkObjectName } from "./validation/names.js";
import { checkRouteBackends } from "./validation/routeBackends.js";
import { checkHostnameConflicts, type RouteClaim } from "./validation/hostnameConflicts.js";
import { checkRouteParents } from "./validation/routeParents.js";

/** Gateway API limit on hostnames per TLSRoute. */
const MAX_HOSTNAMES = 1024;

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

/** A TLS passthrough route (one TLSRoute) served by Courier. */
export class PassthroughRoute extends Construct {
  /** The generated TLSRoute object, for escape-hatch changes. */
  public readonly apiObject: ApiObject;
  /** metadata.name of the TLSRoute. */
  public readonly name: string;
  /** Namespace of the TLSRoute. */
  public readonly namespace: string;
  /** The TLSRoute API version written. */
  public readonly apiVersion: TlsRouteApiVersion;
  private readonly hostnameList: string[] = [];
  private readonly backendList: Backend[] = [];
  private readonly fallbackList: Backend[] = [];
  private readonly parentList: RouteParent[] = [];
  private readonly grantPolicy: ReferenceGrantPolicy;
  private readonly generatedGrants = new Map<string, BackendReferenceGrant>();
  private readonly durations: readonly (readonly [string, string])[];
  private readonly proxyProtocol: string | undefined;
  private readonly annotationValues: Readonly<Record<string, string>>;

  public constructor(scope: Construct, id: string, props: PassthroughRouteProps = {}) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? "default";
    this.apiVersion = props.apiVersion ?? TlsRouteApiVersion.V1;
    this.grantPolicy = props.referenceGrants ?? ReferenceGrantPolicy.REQUIRE;

    const annotations: Record<string, string> = { ...props.annotations };
    if (props.idleTimeout !== undefined) annotations[IDLE_TIMEOUT_ANNOTATION] = toGoDuration(props.idleTimeout);
    if (props.tcpKeepalive !== undefined) annotations[TCP_KEEPALIVE_ANNOTATION] = toGoDuration(props.tcpKeepalive);
    if (props.proxyProtocol !== undefined) annotations[PROXY_PROTOCOL_ANNOTATION] = props.proxyProtocol;
    if (props.healthCheck !== undefined) Object.assign(annotations, healthCheckAnnotations(props.healthCheck));
    this.annotationValues = { ...annotations };
    // Checked however they were given (option or raw annotation): the proxy reads both alike.
    this.durations = [IDLE_TIMEOUT_ANNOTATION, TCP_KEEPALIVE_ANNOTATION].flatMap((key) => {
      const value = annotations[key];
      return value === undefined ? [] : [[key, value] as const];
    });
    this.proxyProtocol = annotations[PROXY_PROTOCOL_ANNOTATION];

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

  /** The Gateways (and listeners) the route is attached to. */
  public get parents(): readonly RouteParent[] {
    return [...this.parentList];
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
    this.parentList.push({ gateway, options });
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
    return this.parentList.map(({ gateway, options }) => ({
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
    if (this.proxyProtocol !== undefined) push(checkProxyProtocol(`metadata.annotations["${PROXY_PROTOCOL_ANNOTATION}"]`, this.proxyProtocol));
    errors.push(...checkHealthCheck(this.annotationValues));
    if (this.hostnameList.length === 0 && this.apiVersion === TlsRouteApiVersion.V1) {
      errors.push(invalid("spec.hostnames", "a v1 TLSRoute needs at least one hostname", "pass `hostnames: [\"db.example.com\"]` (SNI names clients send)"));
    }
    if (this.hostnameList.length > MAX_HOSTNAMES) {
      errors.push(invalid("spec.hostnames", `${this.hostnameList.length} hostnames exceed the limit of ${MAX_HOSTNAMES}`, "split them across several routes, or use a wildcard such as \"*.example.com\""));
    }
    for (const [i, hostname] of this.hostnameList.entries()) push(checkHostname(`spec.hostnames[${i}]`, hostname));
    const grants = this.node.root.node.findAll().filter((c): c is BackendReferenceGrant => c instanceof BackendReferenceGrant);
    errors.push(...checkRouteBackends({ routeNamespace: this.namespace, backends: this.backends, grantPolicy: this.grantPolicy, grants }));
    errors.push(...checkRouteParents({ routeNamespace: this.namespace, hostnames: this.hostnameList, parents: this.parentList }));
    const routes = this.node.root.node.findAll().filter((c): c is PassthroughRoute => c instanceof PassthroughRoute);
    const earlier = routes.slice(0, routes.indexOf(this)).map((r) => r.claim());
    errors.push(...checkHostnameConflicts(this.claim(), earlier));
    return errors;
  }

  /** What this route claims, for conflict checks across routes. */
  private claim(): RouteClaim {
    return { id: `${this.namespace}/${this.name}`, namespace: this.namespace, hostnames: this.hostnameList, parents: this.parentList };
  }
}
