// Which hostnames a listener or route may name: the Gateway API's Hostname type.
// RFC 1123 DNS names, lowercase, without the root dot, optionally with "*" as the
// whole first label; never an IP address (SNI cannot carry one).
//
// Two rules are stricter than the CRD's pattern, and both sides apply them: labels of
// at most 63 characters (RFC 1123, which the CRD's description promises) and no
// dotted-quad lookalikes such as "999.1.1.1". Neither kind of name can ever arrive as
// SNI, so a route naming one could never receive a connection for it.

/** Longest hostname (RFC 1123, and the CRD's maxLength). */
export const MAX_HOSTNAME_LENGTH = 253;
/** Longest dot-separated label (RFC 1123). */
export const MAX_LABEL_LENGTH = 63;

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DOTTED_QUAD = /^\d+(\.\d+){3}$/;

/** Why a hostname is refused and what to write instead. */
export interface HostnameProblem {
  readonly problem: string;
  readonly fix: string;
}

/** What is wrong with `hostname` as a Gateway API hostname, or undefined when it is valid. */
export function hostnameProblem(hostname: string): HostnameProblem | undefined {
  const quoted = JSON.stringify(hostname);
  if (hostname.length === 0) {
    return { problem: "hostname is empty", fix: 'give a DNS name such as "db.example.com"' };
  }
  if (hostname !== hostname.toLowerCase()) {
    return { problem: `${quoted} has uppercase letters`, fix: `write it as ${JSON.stringify(hostname.toLowerCase())}` };
  }
  if (DOTTED_QUAD.test(hostname) || hostname.includes(":")) {
    return { problem: `${quoted} is an IP address, which TLS clients never send as SNI`, fix: "use the DNS name clients connect to" };
  }
  if (hostname.length > MAX_HOSTNAME_LENGTH) {
    return { problem: `${quoted} is ${hostname.length} characters long`, fix: `use at most ${MAX_HOSTNAME_LENGTH} characters` };
  }
  if (hostname.endsWith(".") && hostname.length > 1) {
    // SNI never carries the root dot; the proxy drops it from the client's name.
    return { problem: `${quoted} ends with a dot`, fix: `write it as ${JSON.stringify(hostname.slice(0, -1))}` };
  }
  const labels = hostname.split(".");
  for (const [index, label] of labels.entries()) {
    if (label === "*") {
      if (index !== 0) {
        return { problem: `${quoted} has "*" in a label other than the first`, fix: 'put the wildcard only as the whole first label, e.g. "*.example.com"' };
      }
      if (labels.length === 1) {
        return { problem: `${quoted} is a bare wildcard`, fix: 'name a suffix, e.g. "*.example.com", or leave the hostname out to match every name' };
      }
      continue;
    }
    if (label.includes("*")) {
      return { problem: `${quoted} uses "*" inside a label`, fix: 'a wildcard must be the whole first label, e.g. "*.example.com"' };
    }
    if (label.length > MAX_LABEL_LENGTH) {
      return { problem: `${quoted} has a label longer than ${MAX_LABEL_LENGTH} characters`, fix: `shorten each dot-separated label to at most ${MAX_LABEL_LENGTH} characters` };
    }
    if (!LABEL.test(label)) {
      return {
        problem: `${quoted} is not an RFC 1123 DNS name (label ${JSON.stringify(label)})`,
        fix: 'use only a-z, 0-9 and "-" in each label, starting and ending with a letter or digit',
      };
    }
  }
  return undefined;
}

/** True when `hostname` is a valid Gateway API hostname (see hostnameProblem). */
export function isValidHostname(hostname: string): boolean {
  return hostnameProblem(hostname) === undefined;
}
