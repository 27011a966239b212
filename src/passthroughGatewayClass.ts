// The GatewayClass that hands Gateways to Courier. One per cluster is enough; the
// proxy chart creates it, scenario charts only refer to it by name.

import { Construct } from "constructs";
import { COURIER_CONTROLLER_NAME } from "../contract/index.js";
import { ARGOCD_SYNC_WAVE_ANNOTATION, DEFAULT_GATEWAY_CLASS_NAME } from "./constants.js";
import { GatewayClass } from "./imports/gateway.networking.k8s.io.js";
import { invalid } from "./validation/messages.js";
import { checkObjectName } from "./validation/names.js";

/** The GatewayClass CRD's limit on spec.description. */
const MAX_DESCRIPTION = 64;

/** A GatewayClass that Gateways can name, whether created here or elsewhere. */
export interface IGatewayClass {
  /** metadata.name of the GatewayClass. */
  readonly name: string;
}

export interface PassthroughGatewayClassProps {
  /**
   * metadata.name of the GatewayClass; Gateways refer to it by this name.
   * @default "courier"
   */
  readonly name?: string;
  /**
   * The controller that implements the class. Only change it to run a second,
   * independent Courier next to the first.
   * @default "courier.dev/gateway-controller"
   */
  readonly controllerName?: string;
  /**
   * Human-readable description, at most 64 characters (the CRD's limit).
   * @default "Courier: TLS passthrough routed by SNI"
   */
  readonly description?: string;
  /**
   * Argo CD sync wave (the `argocd.argoproj.io/sync-wave` annotation). Unset, the
   * class is in wave 0 with the proxy's Deployment and the Gateways. Argo CD applies
   * a wave only once every object of the earlier waves is Healthy, and it shows a
   * GatewayClass Healthy only once the controller has set `Accepted=True`, which
   * needs the proxy running: a wave earlier than the Deployment's stalls a first
   * install for good. A wave later than the Gateways' leaves them unprogrammed
   * until the class arrives, so they hold up any wave after theirs.
   * @default none (wave 0)
   */
  readonly syncWave?: number;
}

/** The GatewayClass for Courier's TLS passthrough gateways. */
export class PassthroughGatewayClass extends Construct implements IGatewayClass {
  /** Refers to an existing GatewayClass by name without creating one. */
  public static fromGatewayClassName(name: string): IGatewayClass {
    return { name };
  }

  /** The generated GatewayClass object, for escape-hatch changes. */
  public readonly apiObject: GatewayClass;
  /** metadata.name of the GatewayClass. */
  public readonly name: string;
  /** spec.controllerName. */
  public readonly controllerName: string;
  /** spec.description. */
  public readonly description: string;

  public constructor(scope: Construct, id: string, props: PassthroughGatewayClassProps = {}) {
    super(scope, id);
    this.name = props.name ?? DEFAULT_GATEWAY_CLASS_NAME;
    this.controllerName = props.controllerName ?? COURIER_CONTROLLER_NAME;
    this.description = props.description ?? "Courier: TLS passthrough routed by SNI";
    this.apiObject = new GatewayClass(this, "Resource", {
      metadata: {
        name: this.name,
        ...(props.syncWave === undefined ? {} : { annotations: { [ARGOCD_SYNC_WAVE_ANNOTATION]: String(props.syncWave) } }),
      },
      spec: {
        controllerName: this.controllerName,
        description: this.description,
      },
    });
    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        const problem = checkObjectName("metadata.name", this.name);
        if (problem !== undefined) errors.push(problem);
        if (props.syncWave !== undefined && !Number.isSafeInteger(props.syncWave)) {
          // Argo CD reads the annotation with strconv.Atoi and takes wave 0 for anything else.
          errors.push(invalid("metadata.annotations", `the sync wave ${props.syncWave} is not an integer`, "pass a whole number or leave syncWave unset"));
        }
        if (this.description.length > MAX_DESCRIPTION) {
          errors.push(invalid("spec.description", `the description is ${this.description.length} characters long`, `shorten it to at most ${MAX_DESCRIPTION} characters`));
        }
        return errors;
      },
    });
  }
}
