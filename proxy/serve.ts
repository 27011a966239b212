// `courier serve`: wires the configuration source, the data plane, the admin endpoint
// and signal handling together. File mode is the configuration source for now.
import { startAdminServer } from "./adminServer.ts";
import type { ServeOptions } from "./cli.ts";
import { DataPlane } from "./dataPlane.ts";
import { loadFileConfig, watchFileConfig } from "./fileMode.ts";
import { Logger } from "./log.ts";
import { Metrics } from "./metrics.ts";
import type { Plan } from "./plan.ts";
import { describePlan } from "./planSummary.ts";

export async function serve(options: ServeOptions): Promise<void> {
  const log = new Logger(options.logLevel);
  const metrics = new Metrics();
  const dataPlane = new DataPlane(options.limits, log, metrics);
  let current: Plan | undefined;
  let described = "";
  let generation = 0;

  const apply = (plan: Plan): void => {
    for (const failure of dataPlane.apply(plan.ports)) {
      log.error("cannot listen", { address: `${failure.address}:${failure.port}`, error: failure.message });
    }
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

  const reload = async (): Promise<void> => {
    const { plan, errors } = await loadFileConfig(options);
    for (const error of errors) log.error("configuration error", { error });
    if (errors.length > 0) metrics.inc("courier_config_errors_total", "Configuration loads that found errors.");
    if (errors.length > 0 && current !== undefined) {
      log.warn("keeping the last good configuration until the errors are fixed");
      return;
    }
    apply(plan);
  };

  await reload();
  let reloading = Promise.resolve();
  const stopWatching = watchFileConfig(options, log, () => {
    reloading = reloading.then(reload, reload);
  });
  const admin = options.admin === undefined ? undefined : startAdminServer(options.admin, metrics, dataPlane, {
    ready: () => current !== undefined,
    describe: () => (current === undefined ? [] : describePlan(current)),
  });
  if (admin !== undefined) log.info("admin endpoint", { url: `http://${admin.hostname}:${admin.port}/` });
  log.info("ready", { ports: [...dataPlane.boundPorts()].map(([key, port]) => `${key.slice(0, key.lastIndexOf(":"))}:${port}`).join(",") });

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    stopWatching();
    log.info("draining", { signal, open: dataPlane.activeConnections, timeout: `${options.limits.drainTimeoutMs}ms` });
    const left = await dataPlane.drain(options.limits.drainTimeoutMs);
    if (left > 0) log.warn("drain timeout: closing the remaining connections", { open: left });
    dataPlane.close();
    admin?.stop(true);
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
