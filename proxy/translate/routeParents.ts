// One parentRef of a TLSRoute against a Gateway of ours: which listeners take the
// route, with which hostnames, and the Accepted verdict when none does.

import { RouteReason } from "./conditions.ts";
import { effectiveHostnames } from "../../contract/index.ts";
import { selectorMatches } from "./labelSelector.ts";
import type { EvaluatedListener } from "./listeners.ts";
import type { Gateway, ParentRef, TLSRoute } from "../model/snapshot.ts";

export interface ListenerAttachment {
  readonly listener: EvaluatedListener;
  /** Route hostnames narrowed to the listener's; never empty. */
  readonly hostnames: readonly string[];
}

export interface ParentVerdict {
  readonly accepted: boolean;
  readonly reason: string;
  readonly message: string;
  readonly attachments: readonly ListenerAttachment[];
}

function namespaceAllowed(
  evaluated: EvaluatedListener,
  gateway: Gateway,
  routeNamespace: string,
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>,
): boolean {
  const allowed = evaluated.listener.allowedRoutes;
  switch (allowed.from) {
    case "All":
      return true;
    case "Same":
      return routeNamespace === gateway.meta.namespace;
    case "Selector":
      // A Namespace Courier has not seen (file mode) has no labels.
      return allowed.selector !== undefined && selectorMatches(allowed.selector, namespaceLabels.get(routeNamespace) ?? {});
    default:
      return false;
  }
}

/**
 * Filters listeners by sectionName/port (none left: NoMatchingParent), then by what
 * each listener allows (protocol, kind, namespace: NotAllowedByListeners), then by
 * hostname intersection (NoMatchingListenerHostname). The route is Accepted for
 * this parent when at least one listener takes it.
 */
export function evaluateParentRef(
  route: TLSRoute,
  ref: ParentRef,
  gateway: Gateway,
  listeners: readonly EvaluatedListener[],
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>,
): ParentVerdict {
  const gatewayName = `${gateway.meta.namespace}/${gateway.meta.name}`;
  const selected = listeners.filter(
    (evaluated) =>
      (ref.sectionName === undefined || evaluated.listener.name === ref.sectionName) &&
      (ref.port === undefined || evaluated.listener.port === ref.port),
  );
  if (selected.length === 0) {
    const wanted = [ref.sectionName === undefined ? "" : `named ${ref.sectionName}`, ref.port === undefined ? "" : `on port ${ref.port}`]
      .filter((part) => part !== "")
      .join(" ");
    return { accepted: false, reason: RouteReason.NoMatchingParent, message: `Gateway ${gatewayName} has no listener ${wanted}`, attachments: [] };
  }
  const refusals: string[] = [];
  const hostnameMisses: string[] = [];
  const attachments: ListenerAttachment[] = [];
  for (const evaluated of selected) {
    const name = evaluated.listener.name;
    if (!evaluated.usable) {
      refusals.push(evaluated.problem ?? `listener ${name} is not programmed`);
      continue;
    }
    if (!evaluated.supportedKinds.some((kind) => kind.kind === "TLSRoute")) {
      refusals.push(`listener ${name} does not allow TLSRoute`);
      continue;
    }
    if (!namespaceAllowed(evaluated, gateway, route.meta.namespace, namespaceLabels)) {
      refusals.push(`listener ${name} does not allow routes from namespace ${route.meta.namespace} (from: ${evaluated.listener.allowedRoutes.from})`);
      continue;
    }
    const hostnames = effectiveHostnames(evaluated.listener.hostname, route.hostnames);
    if (hostnames.length === 0) {
      hostnameMisses.push(`listener ${name} (hostname ${evaluated.listener.hostname ?? "any"})`);
      continue;
    }
    attachments.push({ listener: evaluated, hostnames });
  }
  if (attachments.length > 0) {
    return {
      accepted: true,
      reason: RouteReason.Accepted,
      message: `Accepted by Gateway ${gatewayName} listener${attachments.length > 1 ? "s" : ""} ${attachments.map((a) => a.listener.listener.name).join(", ")}`,
      attachments,
    };
  }
  if (hostnameMisses.length > 0) {
    return {
      accepted: false,
      reason: RouteReason.NoMatchingListenerHostname,
      message: `no route hostname (${route.hostnames.join(", ") || "any"}) intersects ${hostnameMisses.join("; ")}`,
      attachments: [],
    };
  }
  return { accepted: false, reason: RouteReason.NotAllowedByListeners, message: refusals.join("; "), attachments: [] };
}
