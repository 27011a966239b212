// A data-plane worker: one thread, one event loop, one DataPlane. It moves bytes and
// does nothing else; the controller thread loads, parses and translates
// configuration and sends each Plan's ports here, so no configuration work can stall
// forwarding. Several workers share each listening port (SO_REUSEPORT): the kernel
// spreads new connections among them.
import { parentPort, workerData } from "node:worker_threads";
import { METRIC } from "../../contract/index.ts";
import { hostPort } from "../lib/hostPort.ts";
import { Logger } from "../lib/log.ts";
import { Metrics, type MetricFamily } from "../lib/metrics.ts";
import { DataPlane } from "./dataPlane.ts";
import { patchPort, PortBuilder, preparePort, type PreparedPort } from "./preparedPort.ts";
import type { PortUpdate, ReplyMessage, RequestMessage, WorkerReplies, WorkerRequest, WorkerSettings } from "./workerProtocol.ts";

const settings = workerData as WorkerSettings;
const log = new Logger(settings.logLevel, undefined, settings.logFormat);
const metrics = new Metrics();
const dataPlane = new DataPlane(settings.limits, log, metrics, { accessLogRate: settings.accessLogRate, reusePort: settings.reusePort });
metrics.onScrape(() => metrics.set(METRIC.workerConnections, "Connections open now in each data-plane worker thread.", dataPlane.activeConnections, { worker: settings.index }));
/** The ports as last applied, by "address:port", to resolve "same" updates. */
let applied = new Map<string, PreparedPort>();
/** Ports of the next apply whose hosts arrive in parts, by build and "address:port". */
const building = new Map<string, PortBuilder>();

function builder(build: number, key: string): PortBuilder {
  const id = `${build} ${key}`;
  let found = building.get(id);
  if (found === undefined) building.set(id, (found = new PortBuilder()));
  return found;
}

function portsOf(build: number, updates: readonly PortUpdate[]): PreparedPort[] {
  const next = new Map<string, PreparedPort>();
  const ports = updates.map((update): PreparedPort => {
    let port: PreparedPort | undefined;
    if ("same" in update) {
      port = applied.get(update.same);
      // The controller only says "same" for a port it sent this worker before.
      if (port === undefined) throw new Error(`data-plane worker ${settings.index}: no earlier port ${update.same}`);
    } else if ("patch" in update) {
      const key = hostPort(update.patch.address, update.patch.port);
      const before = applied.get(key);
      // The controller only patches a port it sent this worker before.
      if (before === undefined) throw new Error(`data-plane worker ${settings.index}: no earlier port ${key} to patch`);
      port = patchPort(before, update.patch, update);
    } else if ("assembled" in update) {
      const key = hostPort(update.assembled.address, update.assembled.port);
      port = builder(build, key).finish(update.assembled);
      building.delete(`${build} ${key}`);
    } else {
      port = preparePort(update);
    }
    next.set(hostPort(port.shape.address, port.shape.port), port);
    return port;
  });
  applied = next;
  return ports;
}

async function handle(request: WorkerRequest): Promise<WorkerReplies[keyof WorkerReplies]> {
  switch (request.kind) {
    case "hosts":
      builder(request.build, request.key).add(request.hosts);
      return null;
    case "apply": {
      const failures = dataPlane.apply(portsOf(request.build, request.ports), new Map(request.bindPorts));
      return { failures, bound: [...dataPlane.boundPorts()] } satisfies WorkerReplies["apply"];
    }
    case "unhealthy":
      dataPlane.setActivelyUnhealthy(new Set(request.keys));
      return null;
    case "status":
      return {
        backends: dataPlane.endpointHealth(),
        connections: dataPlane.liveConnections(request.connections),
        open: dataPlane.activeConnections,
        problems: log.recentProblems(),
      } satisfies WorkerReplies["status"];
    case "metrics":
      return (await metrics.exportFamilies()) satisfies readonly MetricFamily[];
    case "stop-accepting":
      dataPlane.stopAccepting();
      return null;
    case "drain":
      return await dataPlane.drain(request.timeoutMs);
    case "close":
      dataPlane.close();
      return null;
  }
}

// Fault injection for the restart test (a thread cannot be made to die from outside):
// COURIER_FAULT_WORKER_EXIT=INDEX:MS ends that worker's first thread after MS ms.
const fault = /^(\d+):(\d+)$/.exec(process.env.COURIER_FAULT_WORKER_EXIT ?? "");
if (fault !== null && Number(fault[1]) === settings.index && settings.generation === 0) setTimeout(() => process.exit(70), Number(fault[2]));

parentPort!.on("message", (message: RequestMessage) => {
  void handle(message.request).then((reply) => parentPort!.postMessage({ id: message.id, reply } satisfies ReplyMessage));
});
