// Active health checks of a route's endpoints, as construct props. They travel to
// the proxy as courier.dev/health-check* annotations, read by the contract's one
// reader (contract/healthChecks.ts) on both sides.

import {
  HEALTH_CHECK_ANNOTATION,
  HEALTH_CHECK_HEALTHY_THRESHOLD_ANNOTATION,
  HEALTH_CHECK_INTERVAL_ANNOTATION,
  HEALTH_CHECK_TIMEOUT_ANNOTATION,
  HEALTH_CHECK_UNHEALTHY_THRESHOLD_ANNOTATION,
} from "../contract/index.js";
import { toGoDuration, type DurationInput } from "./validation/durations.js";

/** What a health check sends. */
export enum HealthCheckProtocol {
  /** A TCP connect within the timeout passes. */
  TCP = "tcp",
  /**
   * A TLS ClientHello carrying one of the route's hostnames as SNI passes when the
   * endpoint answers with a ServerHello: it catches endpoints that accept TCP but
   * whose TLS server is stuck or refuses the name.
   */
  TLS = "tls",
}

/**
 * Active health checks of every endpoint of the route's backends. An endpoint that
 * fails `unhealthyThreshold` checks in a row takes no new connections until it passes
 * `healthyThreshold` in a row; if every endpoint fails, they are used anyway.
 */
export interface HealthCheckOptions {
  /** What each check sends. */
  readonly protocol: HealthCheckProtocol;
  /**
   * Time between two checks of one endpoint (100ms or more).
   * @default 5s
   */
  readonly interval?: DurationInput;
  /**
   * How long one check may take; shorter than the interval.
   * @default 2s (at most half the interval)
   */
  readonly timeout?: DurationInput;
  /**
   * Consecutive passed checks that bring an unhealthy endpoint back, 1..100.
   * @default 2
   */
  readonly healthyThreshold?: number;
  /**
   * Consecutive failed checks that take an endpoint out of the choice, 1..100.
   * @default 3
   */
  readonly unhealthyThreshold?: number;
}

/** The annotations that carry `options` (defaults left out). */
export function healthCheckAnnotations(options: HealthCheckOptions): Record<string, string> {
  return {
    [HEALTH_CHECK_ANNOTATION]: options.protocol,
    ...(options.interval === undefined ? {} : { [HEALTH_CHECK_INTERVAL_ANNOTATION]: toGoDuration(options.interval) }),
    ...(options.timeout === undefined ? {} : { [HEALTH_CHECK_TIMEOUT_ANNOTATION]: toGoDuration(options.timeout) }),
    ...(options.healthyThreshold === undefined ? {} : { [HEALTH_CHECK_HEALTHY_THRESHOLD_ANNOTATION]: String(options.healthyThreshold) }),
    ...(options.unhealthyThreshold === undefined ? {} : { [HEALTH_CHECK_UNHEALTHY_THRESHOLD_ANNOTATION]: String(options.unhealthyThreshold) }),
  };
}
