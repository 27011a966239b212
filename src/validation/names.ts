// Kubernetes object names and namespaces, checked at synth so a typo fails here
// rather than at `kubectl apply`.

import { invalid } from "./messages.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Object names (Gateway, TLSRoute, Service...): RFC 1123 subdomain, at most 253 characters. */
export function checkObjectName(field: string, name: string): string | undefined {
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    return invalid(field, `${JSON.stringify(name)} is not a valid object name`, "use lowercase a-z, 0-9, \"-\" and \".\", starting and ending with a letter or digit");
  }
  return undefined;
}

/** Namespaces and listener (section) names: RFC 1123 label, at most 63 characters. */
export function checkLabelName(field: string, name: string): string | undefined {
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    return invalid(field, `${JSON.stringify(name)} is not a valid RFC 1123 label`, "use at most 63 lowercase a-z, 0-9 and \"-\", starting and ending with a letter or digit");
  }
  return undefined;
}
