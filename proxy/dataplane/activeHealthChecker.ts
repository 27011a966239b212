// Active health checks: probes every target the Plan asks for (healthCheckTargets),
// keeps each one's threshold state (healthThresholds), and reports the set of
// endpoints failing their checks whenever it changes. Independent of the data plane:
// it gets Plans and gives out endpoint keys, so it can run anywhere the Plan is and
// its set can be handed to any number of data planes.
import { METRIC, type HealthCheckKind } from "../../contract/index.ts";
import type { Logger } from "../lib/log.ts";
import type { Counter, Metrics } from "../lib/metrics.ts";
import type { PlannedPort } from "../model/plan.ts";
import { healthCheckTargets, type HealthCheckTarget } from "./healthCheckTargets.ts";
import { probeEndpoint, type ProbeResult } from "./healthProbe.ts";
import { INITIAL_THRESHOLD_STATE, observeCheck, type ThresholdState } from "./healthThresholds.ts";

interface RunningCheck {
  target: HealthCheckTarget;
  state: ThresholdState;
  timer: ReturnType<typeof setTimeout> | undefined;
  stopped: boolean;
}

export interface ActiveHealthCheckerOptions {
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Receives the endpoint keys ("host:port") failing their checks, after every change. */
  readonly onChange: (unhealthy: ReadonlySet<string>) => void;
}

const HELP = "Active health checks run, by kind (tcp, tls) and result (passed, or how it failed).";

export class ActiveHealthChecker {
  private readonly checks = new Map<string, RunningCheck>();
  private unhealthyKeys: ReadonlySet<string> = new Set();
  private readonly counters = new Map<string, Counter>();

  constructor(private readonly options: ActiveHealthCheckerOptions) {}

  /** The endpoint keys failing their checks now. */
  get unhealthy(): ReadonlySet<string> {
    return this.unhealthyKeys;
  }

  /** Checks what `ports` ask for: new targets start, gone ones stop, kept ones keep their state. */
  update(ports: readonly PlannedPort[]): void {
    const targets = healthCheckTargets(ports);
    const wanted = new Set(targets.map((t) => t.key));
    for (const [key, check] of this.checks) {
      if (wanted.has(key)) continue;
      this.halt(check);
      this.checks.delete(key);
    }
    for (const target of targets) {
      const existing = this.checks.get(target.key);
      if (existing !== undefined) {
        // New timing applies from the next check on.
        existing.target = target;
        continue;
      }
      const check: RunningCheck = { target, state: INITIAL_THRESHOLD_STATE, timer: undefined, stopped: false };
      this.checks.set(target.key, check);
      // A random start within the first interval spreads the checks of many endpoints.
      this.schedule(check, Math.floor(Math.random() * target.settings.intervalMs));
    }
    this.publish();
  }

  /** Stops every check; their results no longer count. */
  stop(): void {
    for (const check of this.checks.values()) this.halt(check);
    this.checks.clear();
  }

  private halt(check: RunningCheck): void {
    check.stopped = true;
    if (check.timer !== undefined) clearTimeout(check.timer);
  }

  private schedule(check: RunningCheck, delayMs: number): void {
    check.timer = setTimeout(() => void this.run(check), delayMs);
  }

  private async run(check: RunningCheck): Promise<void> {
    const started = Date.now();
    const { target } = check;
    const { kind, timeoutMs } = target.settings;
    const result = await probeEndpoint({ endpoint: target.endpoint, kind, sni: target.sni, timeoutMs });
    if (check.stopped) return;
    this.counter(kind, result).value++;
    const before = check.state;
    check.state = observeCheck(before, result === "passed", check.target.settings);
    if (check.state.healthy !== before.healthy) {
      const fields = { endpoint: target.endpointKey, check: kind, sni: target.sni, result };
      if (check.state.healthy) this.options.log.info("endpoint passes its health checks again", fields);
      else this.options.log.warn("endpoint fails its health checks: out of the choice", fields);
      this.publish();
    }
    this.schedule(check, Math.max(0, check.target.settings.intervalMs - (Date.now() - started)));
  }

  /** Endpoints with any failing target; the callback hears only real changes. */
  private publish(): void {
    const unhealthy = new Set<string>();
    for (const check of this.checks.values()) if (!check.state.healthy) unhealthy.add(check.target.endpointKey);
    const same = unhealthy.size === this.unhealthyKeys.size && [...unhealthy].every((key) => this.unhealthyKeys.has(key));
    if (same) return;
    this.unhealthyKeys = unhealthy;
    this.options.onChange(unhealthy);
  }

  private counter(kind: HealthCheckKind, result: ProbeResult): Counter {
    const key = `${kind}|${result}`;
    let counter = this.counters.get(key);
    if (counter === undefined) this.counters.set(key, (counter = this.options.metrics.counter(METRIC.healthChecks, HELP, { kind, result })));
    return counter;
  }
}
