// The PostgreSQL row (issue 6): pgbench through Courier against pgbench direct, on a
// real PostgreSQL 15 with TLS. HAProxy and nginx are not run here: neither answers
// PostgreSQL's plaintext SSLRequest, so they cannot route libpq by SNI.
// Server and pgbench run on the load core, Courier on the proxy core.
import { join } from "node:path";
import { createPki } from "../demo/pki.ts";
import { conninfo, startPostgres } from "../test/helpers/postgres.ts";
import { childrenOf, cpuJiffies, cpuSeconds } from "./procStat.ts";
import type { Processes } from "./processes.ts";
import { startTarget, type BenchEnv, type TargetId } from "./targets.ts";
import type { Cell, WorkloadId } from "./workloads.ts";

const PG_SNI = "pg.bench.test";
const CLIENTS = 8;

export const POSTGRES_TARGETS: readonly TargetId[] = ["direct", "courier"];

interface PgbenchRun {
  readonly tps: number;
  readonly latencyMs: number;
  readonly failed: number;
}

/** Runs pgbench to its end; returns its stdout (where a measuring run prints results). */
async function runPgbench(processes: Processes, args: readonly string[]): Promise<string> {
  const started = processes.start("pgbench", ["pgbench", ...args], { core: 1, stdout: true });
  const watchdog = setTimeout(() => started.proc.kill("SIGKILL"), 120_000);
  const text = await new Response(started.proc.stdout as ReadableStream<Uint8Array>).text();
  const code = await started.proc.exited;
  clearTimeout(watchdog);
  await processes.stop(started);
  if (code !== 0) throw new Error(`pgbench failed (exit ${code}): ${text}\n${started.stderrTail()}`);
  return text;
}

async function pgbench(processes: Processes, args: readonly string[]): Promise<PgbenchRun> {
  const text = await runPgbench(processes, args);
  const tps = /^tps = ([\d.]+)/m.exec(text);
  if (tps === null) throw new Error(`pgbench printed no tps: ${text}`);
  return {
    tps: Number(tps[1]),
    latencyMs: Number(/^latency average = ([\d.]+) ms/m.exec(text)?.[1] ?? 0),
    failed: Number(/^number of failed transactions: (\d+)/m.exec(text)?.[1] ?? 0),
  };
}

function pin(pid: number): void {
  for (const p of [pid, ...childrenOf(pid)]) Bun.spawnSync(["taskset", "-a", "-p", "-c", "1", String(p)]);
}

export async function runPostgres(env: BenchEnv, targets: readonly TargetId[], timeScale: number, log: (line: string) => void): Promise<Map<WorkloadId, Map<TargetId, Cell>>> {
  const pki = createPki(join(env.workDir, "pg-pki"));
  const cert = pki.issue("pg", [PG_SNI]);
  const server = await startPostgres({ name: "bench", certFile: cert.certFile, keyFile: cert.keyFile });
  const untrack = env.processes.track(server.pid);
  const results = new Map<WorkloadId, Map<TargetId, Cell>>([
    ["pgbench", new Map()],
    ["pgbenchConnect", new Map()],
  ]);
  try {
    // Children forked later (one per session) inherit the postmaster's core.
    pin(server.pid);
    await runPgbench(env.processes, ["-i", "-q", "-s", "4", conninfo(PG_SNI, server.port, pki.caFile)]);
    const seconds = String(Math.max(2, Math.round(8 * timeScale)));
    for (const id of POSTGRES_TARGETS.filter((t) => targets.includes(t))) {
      const target = await startTarget(id, env, [{ name: "pg", sni: PG_SNI, port: server.port }]);
      try {
        const connect = conninfo(PG_SNI, id === "direct" ? server.port : target.portFor("tls"), pki.caFile);
        for (const [workload, extra] of [["pgbench", []], ["pgbenchConnect", ["-C"]]] as const) {
          const proxyBefore = target.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
          const coreBefore = cpuJiffies(1);
          const run = await pgbench(env.processes, ["-n", "-S", "-c", String(CLIENTS), "-j", "2", "-T", seconds, ...extra, connect]);
          const coreAfter = cpuJiffies(1);
          const proxyCpu = target.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0) - proxyBefore;
          const transactions = run.tps * Number(seconds);
          results.get(workload)!.set(id, {
            metrics: { tps: run.tps, latencyMs: run.latencyMs, cpuMicros: transactions > 0 ? (proxyCpu * 1e6) / transactions : 0 },
            // pgbench and the server share the load core: show how busy it was in all.
            loadgenShare: (coreAfter.busy - coreBefore.busy) / Math.max(1, coreAfter.total - coreBefore.total),
            backendShare: 0,
            errors: run.failed,
          });
          log(`${workload} ${id}: tps=${run.tps.toFixed(0)} latency=${run.latencyMs} ms`);
        }
      } finally {
        await target.stop();
      }
    }
  } finally {
    await server.stop();
    untrack();
  }
  return results;
}
