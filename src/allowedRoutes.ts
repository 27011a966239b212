// Which namespaces may attach routes to a listener. Kept as a small value class so
// the same object both renders the Gateway field and answers "is this route admitted?"
// for synth-time validation.

import type { GatewaySpecListenersAllowedRoutes } from "./imports/gateway.networking.k8s.io.js";
import { GatewaySpecListenersAllowedRoutesNamespacesFrom } from "./imports/gateway.networking.k8s.io.js";
import { GATEWAY_API_GROUP } from "../contract/index.js";

/** The namespace policy of a listener's `allowedRoutes`. */
export class AllowedRoutes {
  /** Only routes in the Gateway's own namespace (the Gateway API default). */
  public static sameNamespace(): AllowedRoutes {
    return new AllowedRoutes("Same");
  }

  /** Routes from every namespace. */
  public static allNamespaces(): AllowedRoutes {
    return new AllowedRoutes("All");
  }

  /**
   * Routes from namespaces whose labels include all of `matchLabels`. Synth-time
   * validation cannot see namespace labels, so it trusts this choice.
   */
  public static namespacesWithLabels(matchLabels: Readonly<Record<string, string>>): AllowedRoutes {
    return new AllowedRoutes("Selector", { ...matchLabels });
  }

  private constructor(
    /** "Same", "All" or "Selector", as written in the Gateway. */
    public readonly from: "Same" | "All" | "Selector",
    private readonly matchLabels?: Readonly<Record<string, string>>,
  ) {}

  /**
   * Whether a route in `routeNamespace` may attach to a listener of a Gateway in
   * `gatewayNamespace`; undefined when only the cluster can tell (label selectors).
   */
  public admits(gatewayNamespace: string, routeNamespace: string): boolean | undefined {
    switch (this.from) {
      case "All":
        return true;
      case "Same":
        return gatewayNamespace === routeNamespace;
      case "Selector":
        return undefined;
    }
  }

  /** @internal renders the Gateway API field. */
  public _render(): GatewaySpecListenersAllowedRoutes {
    const from = GatewaySpecListenersAllowedRoutesNamespacesFrom[this.from === "Same" ? "SAME" : this.from === "All" ? "ALL" : "SELECTOR"];
    return {
      kinds: [{ group: GATEWAY_API_GROUP, kind: "TLSRoute" }],
      namespaces: this.matchLabels === undefined ? { from } : { from, selector: { matchLabels: { ...this.matchLabels } } },
    };
  }
}
