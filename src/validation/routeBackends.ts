// Synth-time checks of a route's backendRefs: count, names, ports, weights, the
// MySQL limitation and ReferenceGrants for backends in other namespaces.

import type { Backend } from "../backend.js";
import type { BackendReferenceGrant } from "../backendReferenceGrant.js";
import { ReferenceGrantPolicy } from "../routeOptions.js";
import { invalid } from "./messages.js";
import { checkLabelName, checkObjectName } from "./names.js";
import { checkPort, checkWeight } from "./numbers.js";

/** Gateway API limit on backendRefs per rule. */
const MAX_BACKENDS = 16;

export interface RouteBackendsInput {
  readonly routeNamespace: string;
  /** Weighted backends first, then fallbacks (weight 0), as rendered. */
  readonly backends: readonly Backend[];
  readonly grantPolicy: ReferenceGrantPolicy;
  /** Every BackendReferenceGrant in the app. */
  readonly grants: readonly BackendReferenceGrant[];
}

export function checkRouteBackends(input: RouteBackendsInput): string[] {
  const { routeNamespace, backends } = input;
  const errors: string[] = [];
  const push = (e: string | undefined): void => {
    if (e !== undefined) errors.push(e);
  };
  if (backends.length === 0) {
    errors.push(invalid("spec.rules[0].backendRefs", "the route has no backend", "pass `backends: [Backend.fromServiceName(\"app\", { port: 443 })]` or call addBackend()"));
  }
  if (backends.length > MAX_BACKENDS) {
    errors.push(invalid("spec.rules[0].backendRefs", `${backends.length} backends exceed the limit of ${MAX_BACKENDS} per rule`, "split the hostnames across several routes, or put the endpoints behind fewer Services"));
  }
  for (const [i, backend] of backends.entries()) {
    const field = `spec.rules[0].backendRefs[${i}]`;
    const namespace = backend.options.namespace ?? routeNamespace;
    push(checkObjectName(`${field}.name`, backend.name));
    push(checkLabelName(`${field}.namespace`, namespace));
    push(checkPort(`${field}.port`, backend.port));
    if (backend.options.weight !== undefined) push(checkWeight(`${field}.weight`, backend.options.weight));
    if (backend.looksServerFirst && backend.options.allowServerFirstProtocol !== true) {
      errors.push(
        invalid(
          field,
          `${backend.describe(routeNamespace)} looks like MySQL, a server-first protocol: the server speaks before the client and no TLS ClientHello (so no SNI) ever reaches the proxy, so it cannot be routed by hostname`,
          "expose MySQL through its own Service/LoadBalancer port instead of a passthrough route; if this port really carries a client-first TLS protocol, set `allowServerFirstProtocol: true` on the backend",
        ),
      );
    }
    const needsGrant = namespace !== routeNamespace && input.grantPolicy === ReferenceGrantPolicy.REQUIRE;
    if (needsGrant && !input.grants.some((g) => g.permits(routeNamespace, backend, namespace))) {
      errors.push(
        invalid(
          field,
          `${backend.describe(routeNamespace)} is in another namespace than the route (${routeNamespace}) and no ReferenceGrant in this app admits it`,
          `add a BackendReferenceGrant in namespace ${namespace} from namespace ${routeNamespace}, set \`referenceGrants: ReferenceGrantPolicy.CREATE\` to generate one, or ReferenceGrantPolicy.EXTERNAL if it is managed elsewhere`,
        ),
      );
    }
  }
  return errors;
}
