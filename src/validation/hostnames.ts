// Hostname rules shared by listeners and routes. They follow the Gateway API's
// Hostname type: RFC 1123 DNS names, lowercase, optionally with "*" as the whole
// first label; IP addresses are never hostnames (SNI cannot carry them).

import { invalid } from "./messages.js";

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Returns an error message when `hostname` is not a valid Gateway API hostname,
 * or undefined when it is. `field` names where the value came from.
 */
export function checkHostname(field: string, hostname: string): string | undefined {
  const quoted = JSON.stringify(hostname);
  if (hostname.length === 0) {
    return invalid(field, "hostname is empty", "give a DNS name such as \"db.example.com\"");
  }
  if (hostname !== hostname.toLowerCase()) {
    return invalid(field, `${quoted} has uppercase letters`, `write it as ${JSON.stringify(hostname.toLowerCase())}`);
  }
  if (IPV4.test(hostname) || hostname.includes(":")) {
    return invalid(field, `${quoted} is an IP address, which TLS clients never send as SNI`, "use the DNS name clients connect to");
  }
  if (hostname.length > 253) {
    return invalid(field, `${quoted} is ${hostname.length} characters long`, "use at most 253 characters");
  }
  const labels = hostname.split(".");
  for (const [index, label] of labels.entries()) {
    if (label === "*") {
      if (index !== 0) {
        return invalid(field, `${quoted} has "*" in a label other than the first`, "put the wildcard only as the whole first label, e.g. \"*.example.com\"");
      }
      if (labels.length === 1) {
        return invalid(field, `${quoted} is a bare wildcard`, "name a suffix, e.g. \"*.example.com\", or leave the hostname out to match every name");
      }
      continue;
    }
    if (label.includes("*")) {
      return invalid(field, `${quoted} uses "*" inside a label`, "a wildcard must be the whole first label, e.g. \"*.example.com\"");
    }
    if (label.length > 63) {
      return invalid(field, `${quoted} has a label longer than 63 characters`, "shorten each dot-separated label to at most 63 characters");
    }
    if (!LABEL.test(label)) {
      return invalid(field, `${quoted} is not an RFC 1123 DNS name (label ${JSON.stringify(label)})`, "use only a-z, 0-9 and \"-\" in each label, starting and ending with a letter or digit");
    }
  }
  return undefined;
}

function isWildcard(hostname: string): boolean {
  return hostname.startsWith("*.");
}

/** True when `hostname` matches the wildcard `pattern` ("*.x" matches "a.x" and "a.b.x", never "x"). */
function wildcardMatches(pattern: string, hostname: string): boolean {
  return hostname.endsWith(pattern.slice(1)) && hostname.length > pattern.length - 1;
}

/**
 * True when some name can match both a listener hostname and a route hostname, the
 * Gateway API's rule for a route to attach. An absent listener hostname matches all.
 */
export function hostnamesIntersect(listener: string | undefined, route: string): boolean {
  if (listener === undefined) return true;
  if (listener === route) return true;
  if (isWildcard(listener) && isWildcard(route)) {
    return wildcardMatches(listener, route.slice(2)) || wildcardMatches(route, listener.slice(2)) || listener === route;
  }
  if (isWildcard(listener)) return wildcardMatches(listener, route);
  if (isWildcard(route)) return wildcardMatches(route, listener);
  return false;
}
