// `courier serve`: wires the pipeline together. A source (files, or a cluster)
// hands over Snapshots; the planner turns each into a Plan; the Plan goes to the
// data plane and, in a cluster, to the status sync. Plus the admin and probe
// endpoints, the metrics read off live state, and signal handling.
import { METRIC } from "../../contract/index.ts";
import type { AdminStatus } from "./adminPage.ts";
import { startAdminServer, startProbeServer, type AdminView } from "./adminServer.ts";
import type { ServeOptions } from "./cli.ts";
import { ActiveHealthChecker } from "../dataplane/activeHealthChecker.ts";
import { setEndpointGauges } from "../dataplane/endpointHealth.ts";
import { DataPlaneWorkers } from "./dataPlaneWorkers.ts";
import { workerCount } from "./workerCount.ts";
import { startFileSource } from "../sources/file/fileSource.ts";
import { startClusterSource } from "../sources/kube/clusterSource.ts";
import { KubeClient } from "../kubeapi/client.ts";
import { loadCredentials } from "../kubeapi/credentials.ts";
import { chooseMode } from "./mode.ts";
import { Logger } from "../lib/log.ts";
import { Metrics } from "../lib/metrics.ts";
import type { Plan } from "../model/plan.ts";
import type { Snapshot } from "../model/snapshot.ts";
import { PlanProgrammer } from "./planProgrammer.ts";
import { planner } from "./planner.ts";
import { describePlan } from "./planSummary.ts";
import { planWarningLog } from "./planWarnings.ts";
import { clusterPlanEvents, type PlanEvents } from "../status/planEvents.ts";
import { startStatusSync, type StatusSync } from "../status/statusSync.ts";
import { COURIER_VERSION } from "./version.ts";

/** Open connections the admin page lists (the count shows them all). */
const PAGE_CONNECTIONS = 100;
/** Recent warnings and errors the admin page lists, of this thread and the workers together. */
const PAGE_PROBLEMS = 20;

export async function serve(options: ServeOptions): Promise<void> {
  const log = new Logger(options.logLevel, undefined, options.logFormat);
  // Until start-up is done there is nothing to drain: stop at once. (As a container's
  // first process, Courier would otherwise ignore SIGTERM and wait for SIGKILL.)
  const stopEarly = (signal: string): void => {
    log.info("stopped before start-up finished", { signal });
    process.exit(0);
  };
  process.on("SIGTERM", stopEarly);
  process.on("SIGINT", stopEarly);
  const mode = chooseMode(options, process.env);
  if ("error" in mode) throw new Error(mode.error);
  const metrics = new Metrics({ process: true });
  // Forwarding runs in worker threads; this thread loads, translates and writes status.
  const threads = workerCount(options.workers);
  const workers = new DataPlaneWorkers(
    threads,
    // Each worker keeps its share of the access-log rate.
    { limits: options.limits, logLevel: options.logLevel, logFormat: options.logFormat, accessLogRate: Math.ceil(options.accessLogRate / threads) },
    log,
    metrics,
  );
  // Checks run here, once per endpoint however many workers there are; each worker gets the verdicts.
  const healthChecker = new ActiveHealthChecker({ log, metrics, onChange: (unhealthy) => workers.setActivelyUnhealthy(unhealthy) });
  let current: Plan | undefined;
  let programmed: Plan | undefined;
  let loadedAt: string | undefined;
  let described = "";
  let generation = 0;
  let draining = false;

  let statusSync: StatusSync | undefined;
  let planEvents: PlanEvents | undefined;
  const programmer = new PlanProgrammer(workers, log, (plan) => {
    programmed = plan;
    metrics.set(METRIC.listenersUnbound, "Listening sockets the configuration asks for that could not be bound (retried every 5 s).", plan.ports.length - workers.boundPorts().size);
    statusSync?.planned(plan);
    planEvents?.planned(plan);
  });
  const logWarnings = planWarningLog(log);
  const apply = (plan: Plan): void => {
    healthChecker.update(plan.ports);
    logWarnings(plan.warnings);
    current = plan;
    const loaded = ++generation;
    // Logged once every data-plane worker has this Plan (or a later one): a user, or a
    // test, who reads "configuration loaded" can count on new connections following it.
    void programmer.program(plan).then(() => {
      loadedAt = new Date().toISOString();
      metrics.inc(METRIC.configReloads, "Configurations applied to the data plane.");
      metrics.set(METRIC.configLastReload, "Unix time of the last configuration applied.", Date.now() / 1000);
      log.info("configuration loaded", { generation: loaded, ports: plan.ports.length, routes: plan.routes.length });
      // The summary is one line per hostname: at 10,000 routes not worth building for nobody.
      const lines = log.enabled("info") ? describePlan(plan) : [];
      const text = lines.join("\n");
      if (text !== described) {
        described = text;
        for (const line of lines) log.info(line);
      }
    });
  };


  // Read when scraped: whether this replica writes status, and whether it drains.
  metrics.onScrape(() => {
    if (statusSync !== undefined) metrics.set(METRIC.leader, "1 while this replica holds the status-writer Lease.", statusSync.isLeader() ? 1 : 0);
    metrics.set(METRIC.draining, "1 from SIGTERM on, while open connections drain.", draining ? 1 : 0);
  });
  const view: AdminView = {
    ready: () => current !== undefined,
    draining: () => draining,
    metrics: async (): Promise<string> => {
      const [dataPlanes, families] = await Promise.all([workers.status(0), workers.metrics()]);
      setEndpointGauges(metrics, dataPlanes.backends);
      return await metrics.render(families);
    },
    status: async (): Promise<AdminStatus> => {
      const dataPlanes = await workers.status(PAGE_CONNECTIONS);
      return {
      version: COURIER_VERSION,
      mode: mode.kind,
      controllerName: options.controllerName,
      ready: current !== undefined,
      draining,
      leader: statusSync?.isLeader(),
      generation,
      loadedAt,
      plan: programmed ?? current,
      backends: dataPlanes.backends,
      connections: dataPlanes.connections,
      openConnections: dataPlanes.open,
      problems: [...log.recentProblems(), ...dataPlanes.problems].sort((a, b) => a.time.localeCompare(b.time)).slice(-PAGE_PROBLEMS),
      now: new Date().toISOString(),
      };
    },
  };
  // Before any source starts: a port that is taken stops start-up before a listener is bound.
  const admin = options.admin === undefined ? undefined : startAdminServer(options.admin, options.adminTokenFile, metrics.contentType, view);
  const probe = options.probe === undefined ? undefined : startProbeServer(options.probe, metrics.contentType, view);
  if (admin !== undefined) {
    const local = ["127.0.0.1", "::1", "localhost"].includes(options.admin!.host);
    if (!local && options.adminTokenFile === undefined) log.warn("the admin endpoint is reachable from other hosts without a token (--admin-token-file)", { address: `${admin.hostname}:${admin.port}` });
  }

  // Once the admin and probe ports are bound (a taken port stops start-up in one line before this).
  log.info(mode.kind === "cluster" ? "cluster mode" : "file mode", { why: mode.why });
  const toPlan = planner(options, mode.kind === "files");
  const onSnapshot = (snapshot: Snapshot): void => apply(toPlan(snapshot));

  let source: { stop(): Promise<void> };
  if (mode.kind === "files") {
    source = await startFileSource(options, log, metrics, onSnapshot);
  } else {
    const credentials = loadCredentials(mode.location, mode.context);
    log.info("cluster configuration", { use: credentials.description, namespace: credentials.namespace });
    const client = new KubeClient(credentials);
    // The --address-service's status decides Gateway addresses though no route names it.
    const pinnedServices = new Set(options.addressService === undefined ? [] : [`${options.addressService.namespace}/${options.addressService.name}`]);
    const cluster = await startClusterSource(client, log, onSnapshot, { pinnedServices });
    const leaseNamespace = options.leaseNamespace ?? credentials.namespace;
    // Events for what changes, sent by the replica that writes status.
    const events = clusterPlanEvents(client, options.controllerName, leaseNamespace, cluster.live, log);
    planEvents = events;
    statusSync = startStatusSync({ client, resources: cluster.resources, live: cluster.live, leaseNamespace, controllerName: options.controllerName, onLeadership: (leader) => events.leadership(leader) }, log, metrics);
    const sync = statusSync;
    // Outside changes to live objects (not Courier's own writes) are checked again.
    cluster.onLiveChange((kind, key) => sync.liveChanged(kind, key));
    const programmed = programmer.programmed;
    if (programmed !== undefined) {
      events.planned(programmed);
      statusSync.planned(programmed);
    }
    source = { stop: async () => { await cluster.stop(); await sync.stop(); } };
  }
  // The first Plan is in the data planes before "ready" lists the ports bound.
  await programmer.idle();
  if (admin !== undefined) log.info("admin endpoint", { url: `http://${admin.hostname}:${admin.port}/` });
  if (probe !== undefined) log.info("probe endpoint", { url: `http://${probe.hostname}:${probe.port}/readyz` });
  log.info("ready", { mode: mode.kind, controller: options.controllerName, workers: workers.count, ports: [...workers.boundPorts()].map(([key, port]) => `${key.slice(0, key.lastIndexOf(":"))}:${port}`).join(",") });

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // /readyz fails from now on, so that endpoints stop sending new connections here.
    draining = true;
    programmer.stop();
    healthChecker.stop();
    // Logged once no worker accepts any more: what follows "draining" is refused.
    await workers.stopAccepting();
    log.info("draining", { signal, timeout: `${options.limits.drainTimeoutMs}ms` });
    const left = workers.drain(options.limits.drainTimeoutMs);
    await source.stop();
    const remaining = await left;
    if (remaining > 0) log.warn("drain timeout: closing the remaining connections", { open: remaining });
    await workers.close();
    admin?.stop(true);
    probe?.stop(true);
    log.info("stopped");
    process.exit(0);
  };
  process.off("SIGTERM", stopEarly);
  process.off("SIGINT", stopEarly);
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
