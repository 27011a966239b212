// Runs the C load generator (built into .cache/bench/loadgen) on the load core and
// reads its one-line JSON result.
import type { Processes } from "./processes.ts";

export type LoadgenMode = "bulk" | "cps" | "tls" | "pingpong" | "idle";

export interface LoadgenResult {
  readonly values: Readonly<Record<string, number>>;
  num(key: string): number;
}

export interface LoadgenSpec {
  readonly binary: string;
  readonly mode: LoadgenMode;
  readonly port: number;
  readonly sni: string;
  readonly seconds: number;
  readonly proxyPids: readonly number[];
  readonly backendPid: number;
  readonly extra?: Readonly<Record<string, number>>;
}

function command(spec: LoadgenSpec): string[] {
  const args = [spec.binary, spec.mode, "--port", String(spec.port), "--sni", spec.sni, "--seconds", String(spec.seconds), "--backend-pid", String(spec.backendPid)];
  if (spec.proxyPids.length > 0) args.push("--proxy-pids", spec.proxyPids.join(","));
  for (const [key, value] of Object.entries(spec.extra ?? {})) args.push(`--${key}`, String(value));
  return args;
}

function parse(line: string): LoadgenResult {
  const raw: unknown = JSON.parse(line);
  if (typeof raw !== "object" || raw === null) throw new Error(`loadgen printed ${line}`);
  const values: Record<string, number> = {};
  for (const [key, value] of Object.entries(raw)) if (typeof value === "number") values[key] = value;
  return {
    values,
    num(key) {
      const value = values[key];
      if (value === undefined) throw new Error(`loadgen result has no ${key}: ${line}`);
      return value;
    },
  };
}

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk);
    const newline = text.indexOf("\n");
    if (newline !== -1) return text.slice(0, newline);
  }
  return text;
}

/** Runs a workload to completion; a watchdog ends a run that overstays its bound. */
export async function runLoadgen(processes: Processes, spec: LoadgenSpec): Promise<LoadgenResult> {
  const started = processes.start(`loadgen ${spec.mode}`, command(spec), { core: 1, stdout: true });
  const watchdog = setTimeout(() => started.proc.kill("SIGKILL"), (spec.seconds + 30) * 1000);
  const line = await firstLine(started.proc.stdout as ReadableStream<Uint8Array>);
  const code = await started.proc.exited;
  clearTimeout(watchdog);
  await processes.stop(started);
  if (code !== 0 || line === "") throw new Error(`loadgen ${spec.mode} failed (exit ${code}): ${started.stderrTail()}`);
  return parse(line);
}

/**
 * Opens the idle connections and keeps them open while `measure` runs; the load
 * generator lets them go when its stdin closes.
 */
export async function holdIdle<T>(processes: Processes, spec: LoadgenSpec, measure: (result: LoadgenResult) => Promise<T>): Promise<{ result: LoadgenResult; measured: T }> {
  const started = processes.start("loadgen idle", command(spec), { core: 1, stdin: true, stdout: true });
  try {
    const line = await firstLine(started.proc.stdout as ReadableStream<Uint8Array>);
    if (line === "") throw new Error(`loadgen idle failed: ${started.stderrTail()}`);
    const result = parse(line);
    const measured = await measure(result);
    return { result, measured };
  } finally {
    const stdin = started.proc.stdin;
    if (stdin !== undefined && typeof stdin !== "number") await stdin.end();
    await processes.stop(started);
  }
}
