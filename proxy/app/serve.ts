// `courier serve`: wires the pipeline together. A source (files, or a cluster)
// hands over Snapshots; the planner turns each into a Plan; the Plan goes to the
// data plane and, in a cluster, to the status sync. Plus the admin endpoint and
// signal handling.
import { startAdminServer } from "./adminServer.ts";
import type { ServeOptions } from "./cli.ts";
import { DataPlane } from "../dataplane/dataPlane.ts";
import { startFileSource } from "../sources/file/fileSource.ts";
import { startClusterSource } from "../sources/kube/clusterSource.ts";
import { KubeClient } from "../kubeapi/client.ts";
import { loadInCluster, loadKubeconfig } from "../kubeapi/credentials.ts";
import { Logger } from "../lib/log.ts";
import { Metrics } from "../lib/metrics.ts";
import type { Plan } from "../model/plan.ts";
import type { Snapshot } from "../model/snapshot.ts";
import { PlanProgrammer } from "./planProgrammer.ts";
import { planner } from "./planner.ts";
import { describePlan } from "./planSummary.ts";
import { startStatusSync, type StatusSync } from "../status/statusSync.ts";

export async function serve(options: ServeOptions): Promise<void> {
  const log = new Logger(options.logLevel);
  const metrics = new Metrics();
  const dataPlane = new DataPlane(options.limits, log, metrics);
  let current: Plan | undefined;
  let described = "";
  let generation = 0;

  let statusSync: StatusSync | undefined;
  const programmer = new PlanProgrammer(dataPlane, log, (programmed) => statusSync?.planned(programmed));
  const apply = (plan: Plan): void => {
    programmer.program(plan);
    for (const warning of plan.warnings) log.warn(warning);
    current = plan;
    generation++;
    metrics.inc("courier_config_applied_total", "Configurations applied to the data plane.");
    log.info("configuration loaded", { generation, ports: plan.ports.length, routes: plan.routes.length });
    const lines = describePlan(plan);
    const text = lines.join("\n");
    if (text !== described) {
      described = text;
      for (const line of lines) log.info(line);
    }
  };

  const toPlan = planner(options, options.kubeconfig === undefined);
  const onSnapshot = (snapshot: Snapshot): void => apply(toPlan(snapshot));

  let source: { stop(): Promise<void> };
  if (options.kubeconfig === undefined) {
    source = await startFileSource(options, log, metrics, onSnapshot);
  } else {
    const credentials = options.kubeconfig === "in-cluster" ? loadInCluster() : loadKubeconfig(options.kubeconfig);
    const client = new KubeClient(credentials);
    const cluster = await startClusterSource(client, log, onSnapshot);
    statusSync = startStatusSync({ client, resources: cluster.resources, live: cluster.live, leaseNamespace: options.leaseNamespace ?? credentials.namespace, controllerName: options.controllerName }, log, metrics);
    const programmed = programmer.programmed;
    if (programmed !== undefined) statusSync.planned(programmed);
    const sync = statusSync;
    source = { stop: async () => { await cluster.stop(); await sync.stop(); } };
  }
  const admin = options.admin === undefined ? undefined : startAdminServer(options.admin, metrics, dataPlane, {
    ready: () => current !== undefined,
    describe: () => (current === undefined ? [] : describePlan(current)),
  });
  if (admin !== undefined) log.info("admin endpoint", { url: `http://${admin.hostname}:${admin.port}/` });
  log.info("ready", { mode: options.kubeconfig === undefined ? "files" : "cluster", controller: options.controllerName, ports: [...dataPlane.boundPorts()].map(([key, port]) => `${key.slice(0, key.lastIndexOf(":"))}:${port}`).join(",") });

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    programmer.stop();
    const left = dataPlane.drain(options.limits.drainTimeoutMs);
    log.info("draining", { signal, open: dataPlane.activeConnections, timeout: `${options.limits.drainTimeoutMs}ms` });
    await source.stop();
    const remaining = await left;
    if (remaining > 0) log.warn("drain timeout: closing the remaining connections", { open: remaining });
    dataPlane.close();
    admin?.stop(true);
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
