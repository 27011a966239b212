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
import type { PlannedPort } from "../model/plan.ts";
import { DataPlane } from "./dataPlane.ts";
import type { PortUpdate, ReplyMessage, RequestMessage, WorkerReplies, WorkerRequest, WorkerSettings } from "./workerProtocol.ts";

const settings = workerData as WorkerSettings;
const log = new Logger(settings.logLevel, undefined, settings.logFormat);
const metrics = new Metrics();
const dataPlane = new DataPlane(settings.limits, log, metrics, { accessLogRate: settings.accessLogRate, reusePort: settings.reusePort });
metrics.onScrape(() => metrics.set(METRIC.workerConnections, "Connections open now in each data-plane worker thread.", dataPlane.activeConnections, { worker: settings.index }));
/** The ports as last applied, by "address:port", to resolve "same" updates. */
let applied = new Map<string, PlannedPort>();

function portsOf(updates: readonly PortUpdate[]): PlannedPort[] {
  const next = new Map<string, PlannedPort>();
  const ports = updates.map((update) => {
    if (!("same" in update)) return remember(next, update);
    const port = applied.get(update.same);
    // The controller only says "same" for a port it sent this worker before.
    if (port === undefined) throw new Error(`data-plane worker ${settings.index}: no earlier port ${update.same}`);
    return remember(next, port);
  });
  applied = next;
  return ports;
}

function remember(ports: Map<string, PlannedPort>, port: PlannedPort): PlannedPort {
  ports.set(hostPort(port.address, port.port), port);
  return port;
}

async function handle(request: WorkerRequest): Promise<WorkerReplies[keyof WorkerReplies]> {
  switch (request.kind) {
    case "apply": {
      const failures = dataPlane.apply(portsOf(request.ports), new Map(request.bindPorts));
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
