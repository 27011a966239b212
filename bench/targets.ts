// The things a workload runs against: "direct" (no proxy, the limit), HAProxy and
// nginx stock and tuned, and Courier. Each starts pinned to the proxy core, routes
// by SNI to the same backends, and is stopped by PID.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../test/helpers/ports.ts";
import { writeCourierScenario, type RouteEntry } from "./courierScenario.ts";
import { haproxyConfig } from "./haproxyConfig.ts";
import { nginxConfig } from "./nginxConfig.ts";
import { childrenOf, waitForPort } from "./procStat.ts";
import type { Core, Processes, Started } from "./processes.ts";
import { BACKEND_KINDS, sniFor, type BackendKind, type BackendPorts } from "./routes.ts";

export type TargetId = "direct" | "haproxy" | "haproxy-tuned" | "nginx" | "nginx-tuned" | "courier" | "courier-2w" | "bun-floor";

export const TARGET_IDS: readonly TargetId[] = ["direct", "haproxy", "haproxy-tuned", "nginx", "nginx-tuned", "courier", "courier-2w", "bun-floor"];

export const TARGET_LABELS: Readonly<Record<TargetId, string>> = {
  direct: "direct",
  haproxy: "HAProxy",
  "haproxy-tuned": "HAProxy tuned",
  nginx: "nginx",
  "nginx-tuned": "nginx tuned",
  courier: "Courier",
  "courier-2w": "Courier 2 workers",
  "bun-floor": "Bun floor",
};

export interface BenchEnv {
  readonly root: string;
  readonly workDir: string;
  readonly processes: Processes;
  readonly backends: BackendPorts;
}

export interface RunningTarget {
  readonly id: TargetId;
  /** Where a client connects to reach a backend of this kind. */
  portFor(kind: BackendKind): number;
  /** The processes whose CPU and memory count as the proxy's (none for direct). */
  pids(): number[];
  stop(): Promise<void>;
}

async function startPinned(env: BenchEnv, id: TargetId, command: readonly string[], port: number, core: Core = 0): Promise<Started> {
  const started = env.processes.start(id, command, { core, cwd: env.root });
  try {
    await Promise.race([
      waitForPort(port),
      started.proc.exited.then((code) => {
        throw new Error(`exited with ${code}`);
      }),
    ]);
  } catch (error) {
    await env.processes.stop(started, 500);
    throw new Error(`${id} did not start: ${(error as Error).message}\n${started.stderrTail()}`);
  }
  return started;
}

function proxied(env: BenchEnv, id: TargetId, started: Started, port: number, withChildren: boolean): RunningTarget {
  return {
    id,
    portFor: () => port,
    pids: () => (withChildren ? [started.pid, ...childrenOf(started.pid)] : [started.pid]),
    stop: () => env.processes.stop(started),
  };
}

/** Starts a target; `extraRoutes` are added to Courier's table (the PostgreSQL row). */
export async function startTarget(id: TargetId, env: BenchEnv, extraRoutes: readonly RouteEntry[] = []): Promise<RunningTarget> {
  if (id === "direct") return { id, portFor: (kind) => env.backends[kind], pids: () => [], stop: async () => {} };
  if (id === "bun-floor") {
    // No SNI routing at all: one port per backend kind.
    const ports: Record<BackendKind, number> = { sink: 0, echo: 0, once: 0, tls: 0 };
    for (const kind of BACKEND_KINDS) ports[kind] = await freePort();
    const pairs = BACKEND_KINDS.map((kind) => `${ports[kind]}:${env.backends[kind]}`);
    const started = await startPinned(env, id, [join(env.root, "node_modules/.bin/bun"), join(env.root, "bench/bunFloor.ts"), ...pairs], ports.sink);
    return { id, portFor: (kind) => ports[kind], pids: () => [started.pid], stop: () => env.processes.stop(started) };
  }
  const port = await freePort();
  const dir = join(env.workDir, id);
  mkdirSync(dir, { recursive: true });
  switch (id) {
    case "haproxy":
    case "haproxy-tuned": {
      const config = join(dir, "haproxy.cfg");
      writeFileSync(config, haproxyConfig(port, env.backends, id === "haproxy-tuned"));
      return proxied(env, id, await startPinned(env, id, ["haproxy", "-db", "-f", config], port), port, false);
    }
    case "nginx":
    case "nginx-tuned": {
      const config = join(dir, "nginx.conf");
      writeFileSync(config, nginxConfig(port, env.backends, id === "nginx-tuned", join(dir, "nginx.pid")));
      return proxied(env, id, await startPinned(env, id, ["nginx", "-e", "stderr", "-p", dir, "-c", config], port), port, true);
    }
    case "courier":
    case "courier-2w": {
      const routes = [...BACKEND_KINDS.map((kind) => ({ name: kind, sni: sniFor(kind), port: env.backends[kind] })), ...extraRoutes];
      const files = writeCourierScenario(dir, port, routes);
      const command = [
        join(env.root, "node_modules/.bin/bun"),
        join(env.root, "proxy/bin/courier.ts"),
        "serve",
        "--manifests", files.manifests,
        "--endpoints", files.endpoints,
        "--listen-address", "127.0.0.1",
        "--admin", "off",
        // Per-connection "routed" lines are info; the bench measures forwarding, not logging.
        "--log-level", "warn",
        "--drain-timeout", "1s",
        // Two data-plane threads may use both cores; the second is the load core, which
        // the load generator and backends keep busy too (a 2-core machine has no third).
        ...(id === "courier-2w" ? ["--workers", "2"] : []),
      ];
      return proxied(env, id, await startPinned(env, id, command, port, id === "courier-2w" ? "0,1" : 0), port, false);
    }
  }
}
