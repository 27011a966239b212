// Condition builders and the Gateway API condition types and reasons Courier uses,
// in one place so that status text is consistent and greppable.

import type { Condition } from "../model/plan.ts";

export function condition(
  type: string,
  status: boolean,
  reason: string,
  message: string,
  observedGeneration: number,
): Condition {
  return { type, status: status ? "True" : "False", reason, message, observedGeneration };
}

export const ConditionType = {
  Accepted: "Accepted",
  Programmed: "Programmed",
  ResolvedRefs: "ResolvedRefs",
  Conflicted: "Conflicted",
  SupportedVersion: "SupportedVersion",
} as const;

export const ClassReason = {
  Accepted: "Accepted",
  InvalidParameters: "InvalidParameters",
  SupportedVersion: "SupportedVersion",
  UnsupportedVersion: "UnsupportedVersion",
} as const;

export const GatewayReason = {
  Accepted: "Accepted",
  Programmed: "Programmed",
  ListenersNotValid: "ListenersNotValid",
  Invalid: "Invalid",
  Pending: "Pending",
  AddressNotAssigned: "AddressNotAssigned",
  InvalidParameters: "InvalidParameters",
} as const;

export const ListenerReason = {
  Accepted: "Accepted",
  Programmed: "Programmed",
  Invalid: "Invalid",
  Pending: "Pending",
  ResolvedRefs: "ResolvedRefs",
  InvalidRouteKinds: "InvalidRouteKinds",
  NoConflicts: "NoConflicts",
  HostnameConflict: "HostnameConflict",
  ProtocolConflict: "ProtocolConflict",
  UnsupportedProtocol: "UnsupportedProtocol",
  UnsupportedValue: "UnsupportedValue",
} as const;

export const RouteReason = {
  Accepted: "Accepted",
  NotAllowedByListeners: "NotAllowedByListeners",
  NoMatchingListenerHostname: "NoMatchingListenerHostname",
  NoMatchingParent: "NoMatchingParent",
  ResolvedRefs: "ResolvedRefs",
  BackendNotFound: "BackendNotFound",
  InvalidKind: "InvalidKind",
  RefNotPermitted: "RefNotPermitted",
  UnsupportedProtocol: "UnsupportedProtocol",
  UnsupportedValue: "UnsupportedValue",
} as const;
