// A ReferenceGrant lets TLSRoutes in other namespaces send connections to backends in
// this one. Without it the Gateway API refuses the backendRef (ResolvedRefs=False,
// RefNotPermitted) and that share of traffic is rejected.

import { type ApiObject, Lazy } from "cdk8s";
import { Construct } from "constructs";
import { BackendKind, type Backend } from "./backend.js";
import { GATEWAY_API_GROUP, MCS_API_GROUP } from "../contract/index.js";
import { ReferenceGrant, ReferenceGrantV1Beta1 } from "./imports/gateway.networking.k8s.io.js";
import { invalid } from "./validation/messages.js";
import { checkLabelName, checkObjectName } from "./validation/names.js";

/** Which ReferenceGrant API version to write. */
export enum ReferenceGrantApiVersion {
  /** gateway.networking.k8s.io/v1, served by Gateway API v1.5 and later. */
  V1 = "v1",
  /** gateway.networking.k8s.io/v1beta1, for clusters with Gateway API older than v1.5. */
  V1BETA1 = "v1beta1",
}

/** One kind of backend (optionally one object) that the grant opens up. */
export interface ReferenceGrantTarget {
  /** Kind of the backend objects. */
  readonly kind: BackendKind;
  /**
   * Only this object; leave out to allow every object of the kind in the namespace.
   * @default every object of the kind
   */
  readonly name?: string;
}

export interface BackendReferenceGrantProps {
  /** metadata.name of the ReferenceGrant. */
  readonly name: string;
  /** The namespace of the backends; the grant lives there. */
  readonly namespace: string;
  /** Namespaces whose TLSRoutes may refer to the backends. */
  readonly fromNamespaces: readonly string[];
  /**
   * What the routes may refer to; add more with addTarget().
   * @default none
   */
  readonly targets?: readonly ReferenceGrantTarget[];
  /**
   * API version to write.
   * @default ReferenceGrantApiVersion.V1
   */
  readonly apiVersion?: ReferenceGrantApiVersion;
}

/** A ReferenceGrant that admits TLSRoutes from other namespaces to backends here. */
export class BackendReferenceGrant extends Construct {
  /** The generated ReferenceGrant object, for escape-hatch changes. */
  public readonly apiObject: ApiObject;
  /** metadata.name of the ReferenceGrant. */
  public readonly name: string;
  /** Namespace of the ReferenceGrant, which is the backends' namespace. */
  public readonly namespace: string;
  private readonly fromNamespaces: string[];
  private readonly targets: ReferenceGrantTarget[] = [];

  public constructor(scope: Construct, id: string, props: BackendReferenceGrantProps) {
    super(scope, id);
    this.name = props.name;
    this.namespace = props.namespace;
    this.fromNamespaces = [...props.fromNamespaces];
    for (const target of props.targets ?? []) this.addTarget(target);
    const metadata = { name: this.name, namespace: this.namespace };
    // Lazy so that targets and namespaces added later are rendered too.
    const spec = {
      from: Lazy.any({ produce: () => this.fromNamespaces.map((namespace) => ({ group: GATEWAY_API_GROUP, kind: "TLSRoute", namespace })) }),
      to: Lazy.any({
        produce: () =>
          this.targets.map((t) => ({
            group: t.kind === BackendKind.SERVICE ? "" : MCS_API_GROUP,
            kind: t.kind,
            ...(t.name === undefined ? {} : { name: t.name }),
          })),
      }),
    };
    this.apiObject =
      (props.apiVersion ?? ReferenceGrantApiVersion.V1) === ReferenceGrantApiVersion.V1
        ? new ReferenceGrant(this, "Resource", { metadata, spec })
        : new ReferenceGrantV1Beta1(this, "Resource", { metadata, spec });
    this.node.addValidation({ validate: () => this.validateGrant() });
  }

  /** Opens up one more backend (or kind of backend); duplicates are ignored. */
  public addTarget(target: ReferenceGrantTarget): void {
    if (!this.targets.some((t) => t.kind === target.kind && t.name === target.name)) this.targets.push(target);
  }

  /** Lets TLSRoutes of one more namespace refer to the targets. */
  public addFromNamespace(namespace: string): void {
    if (!this.fromNamespaces.includes(namespace)) this.fromNamespaces.push(namespace);
  }

  /** Whether a TLSRoute in `routeNamespace` may use `backend` (in this grant's namespace). */
  public permits(routeNamespace: string, backend: Backend, backendNamespace: string): boolean {
    return (
      backendNamespace === this.namespace &&
      this.fromNamespaces.includes(routeNamespace) &&
      this.targets.some((t) => t.kind === backend.kind && (t.name === undefined || t.name === backend.name))
    );
  }

  private validateGrant(): string[] {
    const errors: string[] = [];
    for (const e of [checkObjectName("metadata.name", this.name), checkLabelName("metadata.namespace", this.namespace)]) {
      if (e !== undefined) errors.push(e);
    }
    if (this.fromNamespaces.length === 0) errors.push(invalid("spec.from", "the grant admits no namespace", "list the route namespaces in `fromNamespaces`"));
    if (this.targets.length === 0) errors.push(invalid("spec.to", "the grant opens up nothing", "pass `targets` or call addTarget({ kind: BackendKind.SERVICE })"));
    return errors;
  }
}
