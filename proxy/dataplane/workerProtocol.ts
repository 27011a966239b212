// What the controller thread and a data-plane worker say to each other. Every
// request carries an id and gets exactly one reply with that id. Types only.
import type { Limits } from "../../contract/index.ts";
import type { LoggedProblem, LogFormat, LogLevel } from "../lib/log.ts";
import type { MetricFamily } from "../lib/metrics.ts";
import type { PlannedHost, PlannedPort, SocketFailure } from "../model/plan.ts";
import type { HostChanges } from "./hostChanges.ts";
import type { PortShape } from "./preparedPort.ts";
import type { LiveConnection } from "./connectionContext.ts";
import type { BackendHealth } from "./endpointHealth.ts";

/** Given to each worker when it starts. */
export interface WorkerSettings {
  readonly index: number;
  /** 0 for the first thread at this index, counting up with each restart. */
  readonly generation: number;
  readonly limits: Limits;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly accessLogRate: number;
  /** Set when several workers share each listening port. */
  readonly reusePort: boolean;
}

/**
 * A port as the worker had it last time ("same"), in full, as the changes to its hosts
 * since the last time ("patch"), or without its hosts ("assembled": they came before
 * in "hosts" parts of the same build). Unchanged ports are not copied across; a port
 * with many changed hosts goes in parts, so that the worker returns to its sockets
 * between them.
 */
export type PortUpdate = PlannedPort | { readonly same: string } | ({ readonly patch: PortShape } & HostChanges) | { readonly assembled: PortShape };

export type WorkerRequest =
  /** Part of a port's hosts for the apply with the same build number. */
  | { readonly kind: "hosts"; readonly build: number; readonly key: string; readonly hosts: readonly PlannedHost[] }
  | {
      readonly kind: "apply";
      readonly build: number;
      readonly ports: readonly PortUpdate[];
      /** Ports planned as 0 (tests) that another worker already bound: bind these numbers instead. */
      readonly bindPorts: readonly (readonly [string, number])[];
    }
  /** The endpoints failing their active health checks (the controller runs the checks). */
  | { readonly kind: "unhealthy"; readonly keys: readonly string[] }
  | { readonly kind: "status"; readonly connections: number }
  | { readonly kind: "metrics" }
  | { readonly kind: "stop-accepting" }
  | { readonly kind: "drain"; readonly timeoutMs: number }
  | { readonly kind: "close" };

export interface Applied {
  readonly failures: readonly SocketFailure[];
  /** "address:plannedPort" -> the port bound. */
  readonly bound: readonly (readonly [string, number])[];
}

export interface WorkerStatus {
  readonly backends: readonly BackendHealth[];
  readonly connections: readonly LiveConnection[];
  readonly open: number;
  readonly problems: readonly LoggedProblem[];
}

export interface WorkerReplies {
  readonly hosts: null;
  readonly apply: Applied;
  readonly unhealthy: null;
  readonly status: WorkerStatus;
  readonly metrics: readonly MetricFamily[];
  readonly "stop-accepting": null;
  /** Connections still open when the drain ended. */
  readonly drain: number;
  readonly close: null;
}

export interface RequestMessage {
  readonly id: number;
  readonly request: WorkerRequest;
}

export interface ReplyMessage {
  readonly id: number;
  readonly reply: WorkerReplies[keyof WorkerReplies];
}
