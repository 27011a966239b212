// Puts each Plan into the data plane and publishes what really happened: a socket
// that cannot be bound leaves its listeners Programmed=False, and binding is retried
// every few seconds until it works (a port freed by another process, an address
// added to the node), when the listeners become Programmed again.
import type { DataPlane } from "../dataplane/dataPlane.ts";
import { hostPort } from "../lib/hostPort.ts";
import type { Logger } from "../lib/log.ts";
import type { Plan, SocketFailure } from "../model/plan.ts";
import { withSocketFailures } from "../translate/socketFailures.ts";

const BIND_RETRY_MS = 5_000;

export class PlanProgrammer {
  private latest: Plan | undefined;
  private failures: readonly SocketFailure[] = [];
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly dataPlane: DataPlane,
    private readonly log: Logger,
    /** Receives the Plan as programmed (status reflecting unbound sockets), after every change. */
    private readonly onProgrammed: (plan: Plan) => void,
  ) {}

  /** The Plan as last programmed, if any. */
  get programmed(): Plan | undefined {
    return this.latest === undefined ? undefined : withSocketFailures(this.latest, this.failures);
  }

  program(plan: Plan): void {
    this.latest = plan;
    this.bind(true);
  }

  stop(): void {
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
  }

  private bind(newPlan: boolean): void {
    const plan = this.latest;
    if (plan === undefined) return;
    this.stop();
    const failures = this.dataPlane.apply(plan.ports);
    const changed = JSON.stringify(failures) !== JSON.stringify(this.failures);
    if (changed) {
      for (const failure of failures) this.log.error("cannot listen; retrying", { address: hostPort(failure.address, failure.port), error: failure.message });
      const bound = this.failures.filter((old) => !failures.some((f) => f.address === old.address && f.port === old.port));
      if (!newPlan) for (const socket of bound) this.log.info("listening", { address: hostPort(socket.address, socket.port) });
    }
    this.failures = failures;
    if (failures.length > 0) this.retry = setTimeout(() => this.bind(false), BIND_RETRY_MS);
    if (newPlan || changed) this.onProgrammed(withSocketFailures(plan, failures));
  }
}
