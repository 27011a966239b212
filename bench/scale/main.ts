// `npm run bench -- scale`: Courier's control plane at scale (issue 16). For each
// size, a fresh private API server, the objects created over HTTP, Courier started
// against it; prints one table. Not part of `npm test`.
//
//   --sizes 1000,5000,10000   routes per run (default: all three)
//   --samples N               route changes timed quiet and under churn (default 30)
//   --status-timeout S        give up waiting for every status after S seconds (default 480)
//   --churn N                 EndpointSlice updates per second during churn (default 50)
//   --profile DIR             write Courier's CPU profile (.cpuprofile and .md) into DIR
//   --ram MiB                 tell JavaScriptCore the process has this much memory, as a
//                             container limit could (BUN_JSC_forceRAMSize, e.g. 512, the
//                             shipped Deployment's limit); default: the machine's RAM
//   --bun-flag FLAG           pass FLAG to Bun when starting Courier (e.g. --bun-flag --smol)
//   --courier-root DIR        run the Courier of another checkout (e.g. an export of an
//                             older commit, to measure before and after on one machine)
//   --keep                    keep each size's API server and objects for the next run
//                             (which then only resets statuses; see keptObjects.ts)
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { runScale, type ScaleRow } from "./scaleRun.ts";
import { renderApiShare, renderScaleTable, renderTargets } from "./scaleReport.ts";

interface Options {
  readonly sizes: readonly number[];
  readonly samples: number;
  readonly statusTimeoutMs: number;
  readonly churnPerSecond: number;
  readonly profileDir?: string;
  readonly keep: boolean;
  readonly courierRoot?: string;
  readonly bunFlags: readonly string[];
  readonly ramMiB: number;
}

function parseArgs(argv: readonly string[]): Options {
  let sizes = [1_000, 5_000, 10_000];
  let samples = 30;
  let statusTimeoutMs = 480_000;
  let churnPerSecond = 50;
  let profileDir: string | undefined;
  let keep = false;
  let courierRoot: string | undefined;
  const bunFlags: string[] = [];
  let ramMiB = 0;
  const number = (flag: string, text: string | undefined, min: number, max: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} must be an integer ${min}..${max}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case "--sizes":
        // Multiples of 100: every Gateway gets the same number of routes.
        sizes = (value ?? "").split(",").map((s) => number("--sizes", s, 100, 100_000));
        if (sizes.some((s) => s % 100 !== 0)) throw new Error("--sizes must be multiples of 100 (100 Gateways)");
        break;
      case "--samples":
        samples = number("--samples", value, 1, 1_000);
        break;
      case "--status-timeout":
        statusTimeoutMs = number("--status-timeout", value, 10, 3_600) * 1000;
        break;
      case "--churn":
        churnPerSecond = number("--churn", value, 1, 1_000);
        break;
      case "--keep":
        keep = true;
        continue;
      case "--ram":
        ramMiB = number("--ram", value, 64, 1_048_576);
        break;
      case "--bun-flag":
        bunFlags.push(value ?? "");
        break;
      case "--courier-root":
        courierRoot = resolve(value ?? "");
        break;
      case "--profile":
        profileDir = resolve(value ?? "");
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
    i++;
  }
  return { sizes, samples, statusTimeoutMs, churnPerSecond, keep, bunFlags, ramMiB, ...(profileDir === undefined ? {} : { profileDir }), ...(courierRoot === undefined ? {} : { courierRoot }) };
}

const root = resolve(import.meta.dir, "../..");
const cache = join(root, ".cache/bench");

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  // Exit handlers stop what this process started (see courierProcess.ts).
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => process.exit(130));
  const log = (line: string): void => console.error(`bench scale: ${line}`);
  const [load1] = loadavg();
  log(`load average ${load1!.toFixed(2)} at start on ${navigator.hardwareConcurrency} cores${load1! > 0.7 ? " — other work is running; numbers will be noisy" : ""}`);
  if (options.profileDir !== undefined) mkdirSync(options.profileDir, { recursive: true });
  const rows: ScaleRow[] = [];
  for (const routes of options.sizes) {
    try {
      rows.push(
        await runScale(routes, {
          root,
          workDir: join(cache, "scale"),
          statusTimeoutMs: options.statusTimeoutMs,
          samples: options.samples,
          churnPerSecond: options.churnPerSecond,
          createConcurrency: 24,
          keep: options.keep,
          courierRoot: options.courierRoot ?? root,
          bunFlags: options.bunFlags,
          ...(options.ramMiB === 0 ? {} : { ramMiB: options.ramMiB }),
          ...(options.profileDir === undefined ? {} : { profileDir: options.profileDir }),
          log,
        }),
      );
    } catch (error) {
      log(`${routes} routes failed: ${(error as Error).stack ?? String(error)}`);
    }
  }
  const notes = rows.flatMap((row) => row.notes.map((note) => `${row.shape.routes} routes: ${note}`));
  const share = renderApiShare(rows);
  const text = [renderScaleTable(rows), "", ...(share === "" ? [] : [share, ""]), renderTargets(rows), ...(notes.length === 0 ? [] : ["", ...notes])].join("\n");
  console.log(`\n${text}\n`);
  mkdirSync(cache, { recursive: true });
  writeFileSync(join(cache, "scale-results.md"), `${text}\n`);
  writeFileSync(join(cache, "scale-results.json"), JSON.stringify(rows, null, 2));
}

await main();
