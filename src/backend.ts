// Where a route sends connections: a Service in this cluster or a ServiceImport
// (Multi-Cluster Services) that spans clusters.

import type { Service } from "cdk8s-plus-33";
import { MCS_API_GROUP } from "../contract/index.js";

/** The kinds of object a passthrough route can send connections to. */
export enum BackendKind {
  SERVICE = "Service",
  SERVICE_IMPORT = "ServiceImport",
}

export interface BackendOptions {
  /**
   * Port on the Service or ServiceImport. Required by the Gateway API for both kinds.
   */
  readonly port: number;
  /**
   * Relative share of new connections, 0..1,000,000 (e.g. 90 and 10 for a canary).
   * @default 1 (the Gateway API default; not written out)
   */
  readonly weight?: number;
  /**
   * Namespace of the backend. A namespace other than the route's needs a
   * ReferenceGrant there (see the route's `referenceGrants` option).
   * @default the route's namespace
   */
  readonly namespace?: string;
  /**
   * Application protocol, used only for synth-time checks. "mysql" is rejected
   * (like port 3306) because server-first protocols cannot be routed by SNI.
   * @default unknown
   */
  readonly protocol?: string;
  /**
   * Accept a backend that looks like a server-first protocol (MySQL on 3306)
   * anyway, e.g. when that port actually carries a client-first TLS protocol.
   * @default false
   */
  readonly allowServerFirstProtocol?: boolean;
}

/** A backendRef of a passthrough route. */
export class Backend {
  /** A Service by name. */
  public static fromServiceName(name: string, options: BackendOptions): Backend {
    return new Backend(BackendKind.SERVICE, "", name, options);
  }

  /** A cdk8s-plus Service defined in this app; its namespace is used unless overridden. */
  public static fromService(service: Service, options: BackendOptions): Backend {
    const namespace = options.namespace ?? service.metadata.namespace;
    return new Backend(BackendKind.SERVICE, "", service.name, namespace === undefined ? options : { ...options, namespace });
  }

  /** A Multi-Cluster Services ServiceImport by name. */
  public static fromServiceImportName(name: string, options: BackendOptions): Backend {
    return new Backend(BackendKind.SERVICE_IMPORT, MCS_API_GROUP, name, options);
  }

  private constructor(
    /** Service or ServiceImport. */
    public readonly kind: BackendKind,
    /** API group of the kind ("" is the core group). */
    public readonly group: string,
    /** metadata.name of the Service or ServiceImport. */
    public readonly name: string,
    /** Port, weight, namespace and protocol hints as given. */
    public readonly options: BackendOptions,
  ) {}

  public get port(): number {
    return this.options.port;
  }

  /** The same backend with another weight (fallback backends are weight 0). */
  public withWeight(weight: number): Backend {
    return new Backend(this.kind, this.group, this.name, { ...this.options, weight });
  }

  /** "Service db/postgres:5432", for messages. */
  public describe(routeNamespace: string): string {
    return `${this.kind} ${this.options.namespace ?? routeNamespace}/${this.name}:${this.options.port}`;
  }

  /** True when this backend looks like MySQL, which speaks first and carries no SNI. */
  public get looksServerFirst(): boolean {
    return this.options.port === 3306 || this.options.protocol?.toLowerCase() === "mysql";
  }
}
