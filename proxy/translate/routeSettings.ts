// Per-route connection settings from courier.dev/* annotations.
//
// A bad value does not reject the route (a typo in an optional tuning knob must not
// take a working route down on the next edit): the setting falls back to its
// default, and the problem is named in the route's Accepted message and in a Plan
// warning, so `kubectl describe` shows it.

import {
  FALLBACK_ANNOTATION,
  IDLE_TIMEOUT_ANNOTATION,
  parseDuration,
  readHealthCheck,
  PROXY_PROTOCOL_ANNOTATION,
  PROXY_PROTOCOL_V2,
  TCP_KEEPALIVE_ANNOTATION,
} from "../../contract/index.ts";
import type { RouteSettings } from "../model/plan.ts";

export interface SettingsResult {
  readonly settings: RouteSettings;
  /** One line per annotation that could not be used. */
  readonly problems: readonly string[];
}

export function settingsFromAnnotations(annotations: Readonly<Record<string, string>>): SettingsResult {
  const problems: string[] = [];
  let fallback = false;
  const fallbackText = annotations[FALLBACK_ANNOTATION];
  if (fallbackText !== undefined) {
    if (fallbackText === "true") fallback = true;
    else if (fallbackText !== "false") problems.push(`${FALLBACK_ANNOTATION}: "${fallbackText}" is not "true" or "false"; using false`);
  }
  const duration = (key: string): number | undefined => {
    const text = annotations[key];
    if (text === undefined) return undefined;
    const parsed = parseDuration(text);
    if (!parsed.ok) {
      problems.push(`${key}: ${parsed.problem}; ignored`);
      return undefined;
    }
    // 0 is kept: it turns the idle timeout (or keepalive) off for this route.
    return parsed.ms;
  };
  const idleTimeoutMs = duration(IDLE_TIMEOUT_ANNOTATION);
  const keepAliveMs = duration(TCP_KEEPALIVE_ANNOTATION);
  // Off unless asked for exactly: a header the backend does not expect breaks every connection.
  const proxyProtocolText = annotations[PROXY_PROTOCOL_ANNOTATION];
  const proxyProtocol = proxyProtocolText === PROXY_PROTOCOL_V2;
  if (proxyProtocolText !== undefined && !proxyProtocol) {
    problems.push(`${PROXY_PROTOCOL_ANNOTATION}: "${proxyProtocolText}" is not "${PROXY_PROTOCOL_V2}"; no PROXY protocol header is sent`);
  }
  const healthCheck = readHealthCheck(annotations);
  for (const p of healthCheck.problems) problems.push(`${p.annotation}: ${p.problem}; using ${p.instead}`);
  const settings: RouteSettings = {
    fallback,
    ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
    ...(keepAliveMs === undefined ? {} : { keepAliveMs }),
    ...(proxyProtocol ? { proxyProtocol: PROXY_PROTOCOL_V2 } : {}),
    ...(healthCheck.settings === undefined ? {} : { healthCheck: healthCheck.settings }),
  };
  return { settings, problems };
}
