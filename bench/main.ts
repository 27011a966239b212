// `npm run bench` (through scripts/bench.sh, which installs the reference proxies and
// builds the C programs): runs every selected workload against every target, one
// fresh proxy per cell, and prints one table.
//
//   --only bulk,cps,tls,latency,idle,postgres   workloads to run (default: all)
//   --targets direct,haproxy,...,courier        targets to run (default: all)
//   --time-scale X                              multiply measuring times (0.2 = smoke run)
//   --repeat N                                  run each cell N times, keep the least disturbed run
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../test/helpers/ports.ts";
import { waitForPort } from "./procStat.ts";
import { Processes } from "./processes.ts";
import { renderLoadTable, renderTable, type Results } from "./report.ts";
import { BACKEND_KINDS, type BackendKind, type BackendPorts } from "./routes.ts";
import { TARGET_IDS, TARGET_LABELS, startTarget, type BenchEnv, type TargetId } from "./targets.ts";
import { WORKLOADS, type Cell, type WorkloadContext } from "./workloads.ts";
import { runPostgres } from "./postgresRow.ts";

interface Options {
  readonly only: ReadonlySet<string> | undefined;
  readonly targets: readonly TargetId[];
  readonly timeScale: number;
  readonly repeat: number;
}

function parseArgs(argv: readonly string[]): Options {
  let only: Set<string> | undefined;
  let targets: readonly TargetId[] = TARGET_IDS;
  let timeScale = 1;
  let repeat = 1;
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1] ?? "";
    switch (argv[i]) {
      case "--only":
        only = new Set(value.split(","));
        i++;
        break;
      case "--targets": {
        const wanted = value.split(",");
        const unknown = wanted.filter((t) => !TARGET_IDS.some((id) => id === t));
        if (unknown.length > 0) throw new Error(`unknown target ${unknown.join(", ")}; known: ${TARGET_IDS.join(", ")}`);
        targets = TARGET_IDS.filter((id) => wanted.includes(id));
        i++;
        break;
      }
      case "--time-scale":
        timeScale = Number(value);
        if (!(timeScale > 0 && timeScale <= 10)) throw new Error("--time-scale must be a number in (0, 10]");
        i++;
        break;
      case "--repeat":
        repeat = Number(value);
        if (!(Number.isInteger(repeat) && repeat >= 1 && repeat <= 5)) throw new Error("--repeat must be 1..5");
        i++;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return { only, targets, timeScale, repeat };
}

const root = resolve(import.meta.dir, "..");
const cache = join(root, ".cache/bench");

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const workDir = join(cache, "run");
  mkdirSync(workDir, { recursive: true });
  const processes = new Processes(join(cache, "pids"));
  const cleanup = (): void => processes.killAllNow();
  process.on("exit", cleanup);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      cleanup();
      process.exit(130);
    });
  }

  const [load1] = loadavg();
  console.error(`bench: load average ${load1!.toFixed(2)} at start${load1! > 0.7 ? " — other work is running; numbers will be noisy" : ""}`);

  try {
    const ports: Record<BackendKind, number> = { sink: 0, echo: 0, once: 0, tls: 0 };
    for (const kind of BACKEND_KINDS) ports[kind] = await freePort();
    const backendArgs = BACKEND_KINDS.flatMap((kind) => [`--${kind}`, String(ports[kind])]);
    const backend = processes.start("backends", [join(cache, "backend"), ...backendArgs, "--cert", join(cache, "cert.pem"), "--key", join(cache, "key.pem")], { core: 1 });
    for (const kind of BACKEND_KINDS) await waitForPort(ports[kind]);
    const backends: BackendPorts = ports;

    const env: BenchEnv = { root, workDir, processes, backends };
    const ctx: WorkloadContext = { processes, loadgen: join(cache, "loadgen"), backendPid: backend.pid, timeScale: options.timeScale };
    const results: Results = new Map();
    const workloads = WORKLOADS.filter((w) => options.only === undefined || options.only.has(w.group) || options.only.has(w.id));
    for (const workload of workloads) {
      const cells = new Map<TargetId, Cell>();
      results.set(workload.id, cells);
      const runs = workload.better === undefined ? 1 : options.repeat;
      for (let round = 0; round < runs; round++) {
        // Rounds go over every target in turn, so a burst of outside load hits one
        // run of a target rather than all of them.
        for (const id of options.targets) {
          const target = await startTarget(id, env);
          try {
            const cell = await workload.run(target, ctx);
            const kept = cells.get(id);
            if (kept === undefined || workload.better!(cell, kept)) cells.set(id, cell);
            const shown = Object.entries(cell.metrics).map(([k, v]) => `${k}=${v.toFixed(2)}`).join(" ");
            console.error(`bench: ${workload.id} ${TARGET_LABELS[id]}: ${shown} (load core ${Math.round(cell.loadgenShare * 100)}% + ${Math.round(cell.backendShare * 100)}%${cell.errors > 0 ? `, ${cell.errors} errors` : ""})`);
          } catch (error) {
            console.error(`bench: ${workload.id} ${TARGET_LABELS[id]} failed: ${(error as Error).message}`);
          } finally {
            await target.stop();
          }
        }
      }
    }

    // Last, as issue 6 asks: it needs a PostgreSQL server of its own.
    if (options.only === undefined || options.only.has("postgres")) {
      try {
        const pg = await runPostgres(env, options.targets, options.timeScale, (line) => console.error(`bench: ${line}`));
        for (const [workload, cells] of pg) results.set(workload, cells);
      } catch (error) {
        console.error(`bench: postgres failed: ${(error as Error).message}`);
      }
    }

    const table = renderTable(results, options.targets);
    const loadTable = renderLoadTable(results, options.targets);
    const text = `${table}\n\n${loadTable}\n`;
    console.log(`\n${text}`);
    writeFileSync(join(cache, "results.md"), text);
    writeFileSync(join(cache, "results.json"), JSON.stringify(Object.fromEntries([...results].map(([w, cells]) => [w, Object.fromEntries(cells)])), null, 2));
  } finally {
    await processes.stopAll();
  }
}

await main();
