// Runs `courier serve` as its own process, the way users and the demo run it, and
// waits until it reports "ready". Logs are kept for assertions.
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";

export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the proxy logged so far. */
  logs(): string;
  /** Resolves once a log line matches. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

const root = resolve(import.meta.dir, "../..");
const bun = resolve(root, "node_modules/.bin/bun");

/** `env`: variables to set (a string) or remove (undefined) for the proxy, over this process's environment. */
export async function startProxy(args: readonly string[], readyTimeoutMs = 15_000, env: Readonly<Record<string, string | undefined>> = {}): Promise<ProxyProcess> {
  const merged = Object.fromEntries(Object.entries({ ...process.env, ...env }).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const child = spawn(bun, [resolve(root, "proxy/bin/courier.ts"), "serve", "--admin", "off", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: merged });
  let text = "";
  const waiters = new Set<() => void>();
  const onChunk = (chunk: Buffer): void => {
    text += chunk.toString("utf8");
    for (const w of waiters) w();
  };
  child.stdout!.on("data", onChunk);
  child.stderr!.on("data", onChunk);
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));

  const waitForLog = (pattern: RegExp, timeoutMs = 10_000): Promise<string> =>
    new Promise((resolveLine, reject) => {
      const check = (): void => {
        const line = text.split("\n").find((l) => pattern.test(l));
        if (line !== undefined) {
          cleanup();
          resolveLine(line);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms; logs:\n${text}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const proxy: ProxyProcess = {
    child,
    pid: child.pid!,
    logs: () => text,
    waitForLog,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  try {
    // The text record, or the JSON one (--log-format json).
    await waitForLog(/ INFO  ready |"msg":"ready"/, readyTimeoutMs);
  } catch (error) {
    await proxy.stop(100);
    throw error;
  }
  return proxy;
}
