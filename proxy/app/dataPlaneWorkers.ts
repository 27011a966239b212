// The data-plane workers as the controller thread drives them: it starts N threads
// (proxy/dataplane/dataPlaneWorker.ts), sends each Plan's ports to all of them, asks
// them for status and metrics, drains them, and restarts one that dies (it gets the
// current ports at once; connections it held are lost with it, the other workers keep
// accepting on the shared ports meanwhile).
import { Worker } from "node:worker_threads";
import type { LiveConnection } from "../dataplane/connectionContext.ts";
import { hostChanges, type HostChanges } from "../dataplane/hostChanges.ts";
import { mergeBackendHealth, type BackendHealth } from "../dataplane/endpointHealth.ts";
import type { PortUpdate, ReplyMessage, WorkerReplies, WorkerRequest, WorkerSettings } from "../dataplane/workerProtocol.ts";
import { hostPort } from "../lib/hostPort.ts";
import type { Logger, LoggedProblem } from "../lib/log.ts";
import type { MetricFamily, Metrics } from "../lib/metrics.ts";
import { METRIC } from "../../contract/index.ts";
import type { PlannedPort, SocketFailure } from "../model/plan.ts";

/** A worker that does not answer a status or metrics request in this time is left out of that answer. */
const READ_TIMEOUT_MS = 2_000;
/** Restart delays after a worker dies: doubling from the first to the last, reset after a minute alive. */
const RESTART_FIRST_MS = 100;
const RESTART_MAX_MS = 5_000;
const STABLE_MS = 60_000;
const HELP_RESTARTS = "Data-plane worker threads restarted after they stopped.";
/** Hosts per part when a port's hosts are sent in pieces (about a millisecond of work each for the worker). */
const HOSTS_PER_PART = 1_000;

type Kind = WorkerRequest["kind"];
type Request<K extends Kind> = Extract<WorkerRequest, { kind: K }>;

interface Pending {
  readonly resolve: (reply: ReplyMessage["reply"]) => void;
  readonly reject: (error: Error) => void;
}

/** One worker thread and the requests it has not answered yet. */
class WorkerThread {
  readonly worker: Worker;
  readonly startedAt = Date.now();
  /** The ports this thread was last sent, by planned "address:port". */
  sent = new Map<string, PlannedPort>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** The last apply sent to this thread: applies run one after the other (their "same" references build on each other). */
  private lastApply: Promise<unknown> = Promise.resolve();
  exited = false;

  constructor(settings: WorkerSettings, onExit: (thread: WorkerThread, code: number) => void, log: Logger) {
    this.worker = new Worker(new URL("../dataplane/dataPlaneWorker.ts", import.meta.url), { workerData: settings });
    this.worker.on("message", (message: ReplyMessage) => {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      pending?.resolve(message.reply);
    });
    this.worker.on("error", (error: Error) => log.error("data-plane worker failed", { worker: settings.index, error: error.message }));
    this.worker.on("exit", (code) => {
      this.exited = true;
      for (const pending of this.pending.values()) pending.reject(new Error(`data-plane worker ${settings.index} stopped`));
      this.pending.clear();
      onExit(this, code);
    });
  }

  /** Runs `apply` after every apply queued before it, whatever their outcome. */
  inTurn<T>(apply: () => Promise<T>): Promise<T> {
    const run = this.lastApply.then(apply, apply);
    this.lastApply = run.catch(() => undefined);
    return run;
  }

  call<K extends Kind>(request: Request<K>, timeoutMs?: number): Promise<WorkerReplies[K]> {
    if (this.exited) return Promise.reject(new Error("data-plane worker stopped"));
    const id = this.nextId++;
    return new Promise<WorkerReplies[K]>((resolve, reject) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`data-plane worker did not answer ${request.kind} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply as WorkerReplies[K]);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.worker.postMessage({ id, request });
    });
  }
}

/** What the admin page shows of the data planes, merged over the workers that answered. */
export interface DataPlaneStatus {
  readonly backends: BackendHealth[];
  readonly connections: LiveConnection[];
  readonly open: number;
  readonly problems: LoggedProblem[];
}

export type WorkerBaseSettings = Omit<WorkerSettings, "index" | "generation" | "reusePort">;

export class DataPlaneWorkers {
  private readonly threads: WorkerThread[];
  private ports: readonly PlannedPort[] = [];
  /** Planned "address:0" ports (tests) -> the port the first worker bound, which the others bind too. */
  private readonly resolved = new Map<string, number>();
  private bound = new Map<string, number>();
  /** The active health checker's last verdict, which a restarted worker gets too. */
  private unhealthy: readonly string[] = [];
  private readonly restartDelays: number[];
  private readonly generations: number[];
  private stopping = false;
  /** Numbers each apply, so the worker keeps the parts of concurrent applies apart. */
  private nextBuild = 0;
  /** The last diff of each new port, so that workers sent the same ports share one diff. */
  private readonly diffs = new WeakMap<PlannedPort, { readonly before: PlannedPort; readonly changes: HostChanges }>();

  constructor(
    readonly count: number,
    private readonly settings: WorkerBaseSettings,
    private readonly log: Logger,
    private readonly registry: Metrics,
  ) {
    this.restartDelays = Array.from({ length: count }, () => RESTART_FIRST_MS);
    this.generations = Array.from({ length: count }, () => 0);
    this.threads = Array.from({ length: count }, (_, index) => this.spawn(index));
    registry.set(METRIC.workers, "Data-plane worker threads configured.", count);
    registry.inc(METRIC.workerRestarts, HELP_RESTARTS, undefined, 0);
  }

  private spawn(index: number): WorkerThread {
    const settings: WorkerSettings = { ...this.settings, index, generation: this.generations[index]!, reusePort: this.count > 1 };
    return new WorkerThread(settings, (thread, code) => this.exited(index, thread, code), this.log);
  }

  private exited(index: number, thread: WorkerThread, code: number): void {
    if (this.stopping || this.threads[index] !== thread) return;
    const delay = Date.now() - thread.startedAt > STABLE_MS ? RESTART_FIRST_MS : this.restartDelays[index]!;
    this.restartDelays[index] = Math.min(RESTART_MAX_MS, delay * 2);
    this.log.error("data-plane worker stopped; restarting it", { worker: index, code, in: `${delay}ms`, lost: "its open connections" });
    setTimeout(() => {
      if (this.stopping) return;
      this.generations[index]!++;
      this.registry.inc(METRIC.workerRestarts, HELP_RESTARTS);
      const fresh = this.spawn(index);
      this.threads[index] = fresh;
      if (this.unhealthy.length > 0) fresh.call({ kind: "unhealthy", keys: this.unhealthy }).catch(() => undefined);
      this.applyTo(fresh, this.ports).then(
        ({ failures }) => {
          for (const failure of failures) this.log.error("restarted data-plane worker cannot listen", { worker: index, address: hostPort(failure.address, failure.port), error: failure.message });
        },
        () => undefined, // it died again: the next restart applies the ports.
      );
    }, delay);
  }

  /**
   * Sends one thread the ports, copying only those that changed since its last apply;
   * a changed port with many hosts goes in parts, each acknowledged before the next,
   * so the worker's event loop serves its sockets in between.
   */
  private applyTo(thread: WorkerThread, ports: readonly PlannedPort[]): Promise<WorkerReplies["apply"]> {
    return thread.inTurn(() => this.sendPorts(thread, ports));
  }

  private async sendPorts(thread: WorkerThread, ports: readonly PlannedPort[]): Promise<WorkerReplies["apply"]> {
    const build = this.nextBuild++;
    const previous = thread.sent;
    const sent = new Map<string, PlannedPort>();
    // Forgotten first: should this apply fail half-way, the next one sends everything.
    thread.sent = sent;
    const updates: PortUpdate[] = [];
    for (const port of ports) {
      const key = hostPort(port.address, port.port);
      sent.set(key, port);
      const before = previous.get(key);
      const shape = { address: port.address, port: port.port, listeners: port.listeners };
      // A route change at 10,000 hostnames: the worker gets the few hosts that changed.
      const changes = before === undefined || before === port || port.hosts.length <= HOSTS_PER_PART ? undefined : this.changes(before, port);
      if (before === port) {
        updates.push({ same: key });
      } else if (port.hosts.length <= HOSTS_PER_PART) {
        updates.push(port);
      } else if (changes !== undefined && changes.set.length + changes.remove.length <= HOSTS_PER_PART) {
        updates.push({ patch: shape, ...changes });
      } else {
        for (let start = 0; start < port.hosts.length; start += HOSTS_PER_PART) {
          await thread.call({ kind: "hosts", build, key, hosts: port.hosts.slice(start, start + HOSTS_PER_PART) });
        }
        updates.push({ assembled: shape });
      }
    }
    const bindPorts = [...this.resolved].filter(([key]) => sent.has(key));
    const reply = await thread.call({ kind: "apply", build, ports: updates, bindPorts });
    for (const [key, port] of reply.bound) if (key.endsWith(":0") && !this.resolved.has(key)) this.resolved.set(key, port);
    return reply;
  }

  /** What changed in a port's hosts since `before`; computed once for all workers sent the same two. */
  private changes(before: PlannedPort, port: PlannedPort): HostChanges {
    const known = this.diffs.get(port);
    if (known?.before === before) return known.changes;
    const changes = hostChanges(before.hosts, port.hosts);
    this.diffs.set(port, { before, changes });
    return changes;
  }

  /**
   * Every worker gets the ports; the first one first, so that a port planned as 0
   * is bound once and the others bind the same number. Returns the sockets any
   * worker could not bind.
   */
  async apply(ports: readonly PlannedPort[]): Promise<SocketFailure[]> {
    // Once draining, no Plan may open listeners again.
    if (this.stopping) return [];
    this.ports = ports;
    for (const key of this.resolved.keys()) if (!ports.some((p) => hostPort(p.address, p.port) === key)) this.resolved.delete(key);
    const [first, ...rest] = this.threads;
    const replies = await Promise.allSettled([this.applyTo(first!, ports)]);
    replies.push(...(await Promise.allSettled(rest.map((thread) => this.applyTo(thread, ports)))));
    const failures = new Map<string, SocketFailure>();
    for (const reply of replies) {
      if (reply.status !== "fulfilled") continue;
      for (const failure of reply.value.failures) failures.set(hostPort(failure.address, failure.port), failure);
    }
    const answered = replies.find((r) => r.status === "fulfilled");
    if (answered !== undefined) this.bound = new Map(answered.value.bound);
    return [...failures.values()];
  }

  /** Endpoints ("host:port") out of the choice because they fail their active health checks, to every worker. */
  setActivelyUnhealthy(keys: ReadonlySet<string>): void {
    this.unhealthy = [...keys];
    for (const thread of this.threads) thread.call({ kind: "unhealthy", keys: this.unhealthy }).catch(() => undefined);
  }

  /** The ports bound, keyed by planned "address:port" (tests plan port 0). */
  boundPorts(): ReadonlyMap<string, number> {
    return this.bound;
  }

  private async fromEach<K extends Kind>(request: Request<K>, timeoutMs?: number): Promise<WorkerReplies[K][]> {
    const replies = await Promise.allSettled(this.threads.map((thread) => thread.call(request, timeoutMs)));
    return replies.flatMap((reply) => (reply.status === "fulfilled" ? [reply.value] : []));
  }

  /** Health, connections (oldest first, at most `connections`) and problems of all workers. */
  async status(connections: number): Promise<DataPlaneStatus> {
    const replies = await this.fromEach({ kind: "status", connections }, READ_TIMEOUT_MS);
    return {
      backends: mergeBackendHealth(replies.map((r) => r.backends)),
      connections: replies.flatMap((r) => r.connections).sort((a, b) => b.ageMs - a.ageMs).slice(0, connections),
      open: replies.reduce((sum, r) => sum + r.open, 0),
      problems: replies.flatMap((r) => r.problems),
    };
  }

  /** Each worker's metric families, to be summed into the controller's exposition. */
  async metrics(): Promise<(readonly MetricFamily[])[]> {
    return await this.fromEach({ kind: "metrics" }, READ_TIMEOUT_MS);
  }

  /** Resolves once no worker accepts new connections any more (no Plan opens listeners again). */
  async stopAccepting(): Promise<void> {
    this.stopping = true;
    await this.fromEach({ kind: "stop-accepting" }, READ_TIMEOUT_MS);
  }

  /** Stops accepting everywhere, waits up to timeoutMs for connections to end; returns those left. */
  async drain(timeoutMs: number): Promise<number> {
    this.stopping = true;
    const left = await this.fromEach({ kind: "drain", timeoutMs });
    return left.reduce((sum, n) => sum + n, 0);
  }

  /** Closes every connection and ends the threads. */
  async close(): Promise<void> {
    this.stopping = true;
    await this.fromEach({ kind: "close" }, READ_TIMEOUT_MS);
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }
}
