// How Gateway API hostnames match each other, shared by the constructs (does a route
// attach to a listener?) and translate() (listener/route intersection, and the
// precedence the data plane's SNI table follows).
//
// Vocabulary: a hostname is "exact" ("db.example.com"), a "wildcard" ("*.example.com",
// standing for ONE OR MORE labels in front of the suffix, never the bare suffix), or
// ANY_HOSTNAME ("*"), which is how Courier writes "no hostname given" (a listener
// without `hostname`, a v1alpha2 route without `hostnames`).

export const ANY_HOSTNAME = "*";

export function isWildcard(hostname: string): boolean {
  return hostname.startsWith("*.");
}

/** The part after "*." of a wildcard, e.g. "example.com" for "*.example.com". */
function wildcardSuffix(wildcard: string): string {
  return wildcard.slice(2);
}

/**
 * Whether a concrete name (an SNI, or an exact hostname) is covered by a pattern.
 * "*.com" covers "a.b.com"; "*.example.com" does not cover "example.com".
 */
export function hostnameMatches(pattern: string, name: string): boolean {
  if (pattern === ANY_HOSTNAME) return true;
  if (!isWildcard(pattern)) return pattern === name;
  const suffix = wildcardSuffix(pattern);
  return name.length > suffix.length + 1 && name.endsWith(`.${suffix}`);
}

/**
 * The hostnames matched by both `a` and `b`, as one hostname, or undefined when they
 * share none. Two wildcards intersect in the more specific one ("*.example.com" and
 * "*.com" give "*.example.com"); an exact name intersects a wildcard in itself.
 */
export function intersectHostname(a: string, b: string): string | undefined {
  if (a === ANY_HOSTNAME) return b;
  if (b === ANY_HOSTNAME) return a;
  if (a === b) return a;
  const aWild = isWildcard(a);
  const bWild = isWildcard(b);
  if (!aWild && !bWild) return undefined;
  if (aWild && !bWild) return hostnameMatches(a, b) ? b : undefined;
  if (!aWild && bWild) return hostnameMatches(b, a) ? a : undefined;
  // Both wildcards: one suffix must extend the other by whole labels.
  const aSuffix = wildcardSuffix(a);
  const bSuffix = wildcardSuffix(b);
  if (aSuffix.endsWith(`.${bSuffix}`)) return a;
  if (bSuffix.endsWith(`.${aSuffix}`)) return b;
  return undefined;
}

/**
 * The hostnames a route serves through a listener: every route hostname narrowed
 * to the listener's, deduplicated and in precedence order. `listenerHostname`
 * undefined and `routeHostnames` empty both mean "any".
 */
export function effectiveHostnames(
  listenerHostname: string | undefined,
  routeHostnames: readonly string[],
): readonly string[] {
  const listenerSide = listenerHostname ?? ANY_HOSTNAME;
  const routeSide = routeHostnames.length === 0 ? [ANY_HOSTNAME] : routeHostnames;
  const result = new Set<string>();
  for (const routeHostname of routeSide) {
    const shared = intersectHostname(listenerSide, routeHostname);
    if (shared !== undefined) result.add(shared);
  }
  return [...result].sort(compareHostnamePrecedence);
}

/**
 * How many labels a hostname pins down: more is more specific. Exported so that a
 * caller sorting thousands of hostnames can compute it once per name.
 */
export function hostnameSpecificity(hostname: string): { readonly tier: number; readonly labels: number } {
  if (hostname === ANY_HOSTNAME) return { tier: 2, labels: 0 };
  if (isWildcard(hostname)) return { tier: 1, labels: wildcardSuffix(hostname).split(".").length };
  return { tier: 0, labels: hostname.split(".").length };
}

/**
 * Sort order for hostnames by precedence: exact names first, then wildcards with
 * longer suffixes (more labels after "*") before shorter ones, then "*"; ties by
 * name so the order is total and deterministic.
 */
export function compareHostnamePrecedence(a: string, b: string): number {
  return compareBySpecificity(a, hostnameSpecificity(a), b, hostnameSpecificity(b));
}

/** compareHostnamePrecedence with both specificities already computed. */
export function compareBySpecificity(
  a: string,
  sa: { readonly tier: number; readonly labels: number },
  b: string,
  sb: { readonly tier: number; readonly labels: number },
): number {
  if (sa.tier !== sb.tier) return sa.tier - sb.tier;
  if (sa.labels !== sb.labels) return sb.labels - sa.labels;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * True when some name can match both a listener hostname (undefined: any) and a
 * route hostname, the Gateway API's rule for a route to attach to a listener.
 */
export function hostnamesIntersect(listenerHostname: string | undefined, routeHostname: string): boolean {
  return intersectHostname(listenerHostname ?? ANY_HOSTNAME, routeHostname) !== undefined;
}
