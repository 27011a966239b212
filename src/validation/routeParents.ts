// Synth-time checks of a route's parentRefs against the Gateways defined in the same
// app: the listener a parentRef selects must exist, admit the route's namespace and
// share a hostname with the route; otherwise the route would never carry traffic.

import type { IPassthroughGateway, PassthroughListener } from "../passthroughGateway.js";
import type { RouteParentOptions } from "../routeOptions.js";
import { hostnamesIntersect } from "../../contract/index.js";
import { invalid } from "./messages.js";
import { checkLabelName } from "./names.js";
import { checkPort } from "./numbers.js";

/** Gateway API limit on parentRefs per route. */
const MAX_PARENTS = 32;

export interface RouteParentsInput {
  readonly routeNamespace: string;
  readonly hostnames: readonly string[];
  readonly parents: readonly { readonly gateway: IPassthroughGateway; readonly options: RouteParentOptions }[];
}

export function checkRouteParents(input: RouteParentsInput): string[] {
  const { routeNamespace, parents } = input;
  const errors: string[] = [];
  const push = (e: string | undefined): void => {
    if (e !== undefined) errors.push(e);
  };
  if (parents.length === 0) {
    errors.push(invalid("spec.parentRefs", "the route is attached to no Gateway, so no listener will ever serve it", "pass `gateway` or call attachTo(gateway)"));
  }
  if (parents.length > MAX_PARENTS) {
    errors.push(invalid("spec.parentRefs", `${parents.length} parents exceed the limit of ${MAX_PARENTS}`, "attach to fewer Gateways"));
  }
  for (const [i, { gateway, options }] of parents.entries()) {
    const field = `spec.parentRefs[${i}]`;
    if (options.port !== undefined) push(checkPort(`${field}.port`, options.port));
    if (options.sectionName !== undefined) push(checkLabelName(`${field}.sectionName`, options.sectionName));
    if (gateway.listeners === undefined) continue; // defined elsewhere: nothing to check against
    const gatewayId = `Gateway ${gateway.namespace}/${gateway.name}`;
    const selected = selectListeners(gateway.listeners, options);
    if (selected.length === 0) {
      const available = gateway.listeners.map((l) => `${l.name} (port ${l.port})`).join(", ") || "none";
      const wanted = [options.sectionName === undefined ? "" : `named ${JSON.stringify(options.sectionName)}`, options.port === undefined ? "" : `on port ${options.port}`].filter(Boolean).join(" ");
      errors.push(invalid(field, `${gatewayId} has no listener ${wanted}`, `use one of its listeners: ${available}`));
      continue;
    }
    const admitting = admittingListeners(gateway, selected, routeNamespace);
    if (admitting.length === 0) {
      errors.push(
        invalid(
          field,
          `listener ${selected.map((l) => JSON.stringify(l.name)).join(", ")} of ${gatewayId} admits routes only from namespace ${gateway.namespace} (allowedRoutes from: Same), and this route is in ${routeNamespace}`,
          `move the route to namespace ${gateway.namespace}, or give the listener allowedRoutes: AllowedRoutes.allNamespaces() or namespacesWithLabels(...)`,
        ),
      );
      continue;
    }
    errors.push(...checkHostnameIntersection(input.hostnames, field, gatewayId, admitting));
  }
  return errors;
}

/** The listeners a parentRef's sectionName and port select. */
export function selectListeners(listeners: readonly PassthroughListener[], options: RouteParentOptions): PassthroughListener[] {
  return listeners.filter((l) => (options.sectionName === undefined || l.name === options.sectionName) && (options.port === undefined || l.port === options.port));
}

/** Those of `listeners` whose allowedRoutes admit the route's namespace. */
export function admittingListeners(gateway: IPassthroughGateway, listeners: readonly PassthroughListener[], routeNamespace: string): PassthroughListener[] {
  // A label selector cannot be evaluated without the cluster, so it counts as admitting.
  return listeners.filter((l) => l.allowedRoutes.admits(gateway.namespace, routeNamespace) !== false);
}

/** Each route hostname must match some listener hostname, or its connections never arrive. */
function checkHostnameIntersection(hostnames: readonly string[], field: string, gatewayId: string, listeners: readonly PassthroughListener[]): string[] {
  const errors: string[] = [];
  for (const [i, hostname] of hostnames.entries()) {
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
  return errors;
}
