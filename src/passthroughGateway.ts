// A Gateway whose listeners are all TLS passthrough. The `tls` block is always
// written with mode Passthrough because the CRD defaults a present `tls` block to
// Terminate, which Courier cannot do and which would silently break every route.

import { Chart, Lazy } from "cdk8s";
import { Construct } from "constructs";
import { AllowedRoutes } from "./allowedRoutes.js";
import { DEFAULT_GATEWAY_CLASS_NAME } from "./constants.js";
import type { IGatewayClass } from "./passthroughGatewayClass.js";
import { Gateway, GatewaySpecListenersTlsMode, type GatewaySpecListeners } from "./imports/gateway.networking.k8s.io.js";
import { checkHostname } from "./validation/hostnames.js";
import { invalid } from "./validation/messages.js";
import { checkLabelName, checkObjectName } from "./validation/names.js";
import { checkPort } from "./validation/numbers.js";

/** Gateway API limit on listeners per Gateway. */
const MAX_LISTENERS = 64;

export interface PassthroughListenerOptions {
  /**
   * Listener name, unique in the Gateway; routes pick a listener by it (sectionName).
   * @default "tls-<port>"
   */
  readonly name?: string;
  /** TCP port the proxy accepts TLS connections on, 1..65535. */
  readonly port: number;
  /**
   * Only SNI names matching this hostname reach this listener's routes. Exact
   * ("db.example.com") or a wildcard as the whole first label ("*.example.com").
   * @default every hostname
   */
  readonly hostname?: string;
  /**
   * Which namespaces may attach routes to this listener.
   * @default AllowedRoutes.sameNamespace()
   */
  readonly allowedRoutes?: AllowedRoutes;
}

/** One listener of a PassthroughGateway, as resolved with its defaults. */
export interface PassthroughListener {
  /** Listener name (what a route's sectionName refers to). */
  readonly name: string;
  /** TCP port of the listener. */
  readonly port: number;
  /** SNI hostname filter; undefined matches every hostname. */
  readonly hostname?: string;
  /** Which namespaces may attach routes. */
  readonly allowedRoutes: AllowedRoutes;
}

/**
 * A Gateway routes can attach to. Gateways created in this app know their listeners
 * (so routes are checked against them at synth); imported ones do not.
 */
export interface IPassthroughGateway {
  /** metadata.name of the Gateway. */
  readonly name: string;
  /** Namespace of the Gateway. */
  readonly namespace: string;
  /** Listeners known at synth time; undefined for a Gateway defined elsewhere. */
  readonly listeners?: readonly PassthroughListener[];
  /** GatewayClass name, when known at synth time. */
  readonly gatewayClassName?: string;
}

export interface PassthroughGatewayProps {
  /**
   * metadata.name of the Gateway. Routes refer to it by this name, so it is never
   * generated with a hash.
   * @default the construct id
   */
  readonly name?: string;
  /**
   * Namespace of the Gateway.
   * @default the chart's namespace, else "default"
   */
  readonly namespace?: string;
  /**
   * The GatewayClass that hands this Gateway to Courier.
   * @default the class named "courier"
   */
  readonly gatewayClass?: IGatewayClass;
  /**
   * Listeners to start with; add more with addListener().
   * @default none (at least one is required by synth time)
   */
  readonly listeners?: readonly PassthroughListenerOptions[];
  /** Extra labels on the Gateway. @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra annotations on the Gateway. @default none */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A Gateway API Gateway with TLS passthrough listeners, served by Courier. */
export class PassthroughGateway extends Construct implements IPassthroughGateway {
  /** Refers to a Gateway defined outside this app; its listeners are not checked. */
  public static fromGatewayName(name: string, namespace: string = "default"): IPassthroughGateway {
    return { name, namespace };
  }

  /** The generated Gateway object, for escape-hatch changes. */
  public readonly apiObject: Gateway;
  /** metadata.name of the Gateway. */
  public readonly name: string;
  /** Namespace of the Gateway. */
  public readonly namespace: string;
  /** The GatewayClass the Gateway names. */
  public readonly gatewayClassName: string;
  private readonly listenerList: PassthroughListener[] = [];

  public constructor(scope: Construct, id: string, props: PassthroughGatewayProps = {}) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? "default";
    this.gatewayClassName = props.gatewayClass?.name ?? DEFAULT_GATEWAY_CLASS_NAME;
    this.apiObject = new Gateway(this, "Resource", {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        ...(props.labels === undefined ? {} : { labels: { ...props.labels } }),
        ...(props.annotations === undefined ? {} : { annotations: { ...props.annotations } }),
      },
      spec: {
        gatewayClassName: this.gatewayClassName,
        // Lazy so listeners added after construction are rendered too.
        listeners: Lazy.any({ produce: () => this.listenerList.map((l) => this.renderListener(l)) }),
      },
    });
    for (const listener of props.listeners ?? []) this.addListener(listener);
    this.node.addValidation({ validate: () => this.validateGateway() });
  }

  /** The listeners added so far. */
  public get listeners(): readonly PassthroughListener[] {
    return [...this.listenerList];
  }

  /** Adds a TLS passthrough listener and returns it with its defaults filled in. */
  public addListener(options: PassthroughListenerOptions): PassthroughListener {
    const listener: PassthroughListener = {
      name: options.name ?? `tls-${options.port}`,
      port: options.port,
      allowedRoutes: options.allowedRoutes ?? AllowedRoutes.sameNamespace(),
      ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
    };
    this.listenerList.push(listener);
    return listener;
  }

  /** Finds a listener by name. */
  public listener(name: string): PassthroughListener | undefined {
    return this.listenerList.find((l) => l.name === name);
  }

  private renderListener(listener: PassthroughListener): GatewaySpecListeners {
    return {
      name: listener.name,
      port: listener.port,
      protocol: "TLS",
      ...(listener.hostname === undefined ? {} : { hostname: listener.hostname }),
      tls: { mode: GatewaySpecListenersTlsMode.PASSTHROUGH },
      allowedRoutes: listener.allowedRoutes._render(),
    };
  }

  private validateGateway(): string[] {
    const errors: string[] = [];
    const push = (e: string | undefined): void => {
      if (e !== undefined) errors.push(e);
    };
    push(checkObjectName("metadata.name", this.name));
    push(checkLabelName("metadata.namespace", this.namespace));
    push(checkObjectName("spec.gatewayClassName", this.gatewayClassName));
    if (this.listenerList.length === 0) {
      errors.push(invalid("spec.listeners", "the Gateway has no listener", "pass `listeners` or call addListener({ port: 443 })"));
    }
    if (this.listenerList.length > MAX_LISTENERS) {
      errors.push(invalid("spec.listeners", `${this.listenerList.length} listeners exceed the limit of ${MAX_LISTENERS}`, "split them across several Gateways"));
    }
    const names = new Set<string>();
    const endpoints = new Map<string, string>();
    for (const [i, listener] of this.listenerList.entries()) {
      const field = `spec.listeners[${i}]`;
      push(checkLabelName(`${field}.name`, listener.name));
      push(checkPort(`${field}.port`, listener.port));
      if (listener.hostname !== undefined) push(checkHostname(`${field}.hostname`, listener.hostname));
      if (names.has(listener.name)) {
        errors.push(invalid(`${field}.name`, `listener name ${JSON.stringify(listener.name)} is used twice`, "give each listener its own `name` (routes select listeners by it)"));
      }
      names.add(listener.name);
      const key = `${listener.port}|${listener.hostname ?? "*"}`;
      const other = endpoints.get(key);
      if (other !== undefined) {
        errors.push(invalid(field, `listeners ${JSON.stringify(other)} and ${JSON.stringify(listener.name)} both serve port ${listener.port} with hostname ${listener.hostname ?? "(any)"}`, "give them different hostnames or ports, or merge them into one listener"));
      }
      endpoints.set(key, listener.name);
    }
    return errors;
  }
}
