// Puts each Plan into the data plane and publishes what really happened: a socket
// that cannot be bound leaves its listeners Programmed=False, and binding is retried
// every few seconds until it works (a port freed by another process, an address
// added to the node), when the listeners become Programmed again.
import { hostPort } from "../lib/hostPort.ts";
import type { Logger } from "../lib/log.ts";
import type { Plan, SocketFailure } from "../model/plan.ts";
import { withSocketFailures } from "../translate/socketFailures.ts";

const BIND_RETRY_MS = 5_000;

/** The data planes as the programmer drives them (the workers, in `courier serve`). */
export interface ProgrammableDataPlane {
  apply(ports: Plan["ports"]): Promise<readonly SocketFailure[]>;
}

export class PlanProgrammer {
  private latest: Plan | undefined;
  private failures: readonly SocketFailure[] = [];
  private retry: ReturnType<typeof setTimeout> | undefined;
  /** Programming in progress; further Plans wait for it and only the latest is applied. */
  private running: Promise<void> | undefined;
  private dirty = false;
  private dirtyNewPlan = false;

  constructor(
    private readonly dataPlane: ProgrammableDataPlane,
    private readonly log: Logger,
    /** Receives the Plan as programmed (status reflecting unbound sockets), after every change. */
    private readonly onProgrammed: (plan: Plan) => void,
  ) {}

  /** The Plan as last programmed, if any. */
  get programmed(): Plan | undefined {
    return this.latest === undefined ? undefined : withSocketFailures(this.latest, this.failures);
  }

  /** Resolves once this Plan (or a later one) is in every data plane. */
  program(plan: Plan): Promise<void> {
    this.latest = plan;
    return this.kick(true);
  }

  /** Resolves when no programming is in progress. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private kick(newPlan: boolean): Promise<void> {
    this.dirty = true;
    this.dirtyNewPlan ||= newPlan;
    return (this.running ??= this.run());
  }

  private async run(): Promise<void> {
    while (this.dirty) {
      const newPlan = this.dirtyNewPlan;
      this.dirty = this.dirtyNewPlan = false;
      await this.bind(newPlan);
    }
    this.running = undefined;
  }

  stop(): void {
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
  }

  private async bind(newPlan: boolean): Promise<void> {
    const plan = this.latest;
    if (plan === undefined) return;
    this.stop();
    const failures = await this.dataPlane.apply(plan.ports);
    const changed = JSON.stringify(failures) !== JSON.stringify(this.failures);
    if (changed) {
      for (const failure of failures) this.log.error("cannot listen; retrying", { address: hostPort(failure.address, failure.port), error: failure.message });
      const bound = this.failures.filter((old) => !failures.some((f) => f.address === old.address && f.port === old.port));
      if (!newPlan) for (const socket of bound) this.log.info("listening", { address: hostPort(socket.address, socket.port) });
    }
    this.failures = failures;
    if (failures.length > 0) this.retry = setTimeout(() => void this.kick(false), BIND_RETRY_MS);
    if (newPlan || changed) this.onProgrammed(withSocketFailures(plan, failures));
  }
}
