// A real Redis server that speaks only TLS (port 0 turns plain TCP off), for
// end-to-end tests, plus a redis-cli runner. Persistence is off: nothing is written
// outside the temporary directory, and a second run starts from scratch.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collect, type ClientResult } from "./childOutput.ts";
import { freePort } from "./ports.ts";

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  logs(): string;
  stop(): Promise<void>;
}

export interface RedisOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  /** Address to listen on (default 127.0.0.1). */
  readonly bind?: string;
  /** TLS port (default: a free loopback port). */
  readonly port?: number;
  /** Command prefix the server runs under, e.g. ["ip", "netns", "exec", NS] (must exec). */
  readonly wrap?: readonly string[];
}

export async function startRedis(options: RedisOptions): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "courier-redis-"));
  const host = options.bind ?? "127.0.0.1";
  const port = options.port ?? (await freePort());
  const args = [
    "--port", "0",
    "--tls-port", String(port),
    "--tls-cert-file", options.certFile,
    "--tls-key-file", options.keyFile,
    "--tls-ca-cert-file", options.caFile,
    "--tls-auth-clients", "no",
    "--bind", host,
    // Without a password Redis answers only loopback peers; in a test network namespace
    // the proxy is not one.
    "--protected-mode", "no",
    "--dir", dir,
    "--save", "",
    "--appendonly", "no",
  ];
  const [command, ...rest] = [...(options.wrap ?? []), "redis-server", ...args];
  const child = spawn(command!, rest, { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  let onText = (): void => {};
  const append = (c: Buffer): void => {
    text += c.toString("utf8");
    onText();
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 30_000);
    onText = () => {
      if (text.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    void exited.then(() => resolve(false));
    onText();
  });
  if (!ready) {
    await stop();
    throw new Error(`redis-server did not start:\n${text}`);
  }
  return { host, port, pid: child.pid!, logs: () => text, stop };
}

/** redis-cli arguments for a TLS session to `hostname` (sent as SNI), dialled at 127.0.0.1:port. */
export function redisTlsArgs(hostname: string, port: number, caFile: string): string[] {
  return ["--tls", "--sni", hostname, "--cacert", caFile, "-h", "127.0.0.1", "-p", String(port)];
}

/** Runs one redis-cli command; `stdinFile` becomes its last argument with -x. */
export async function redisCli(connection: readonly string[], command: readonly string[], stdinFile?: string): Promise<ClientResult> {
  const fd = stdinFile === undefined ? undefined : openSync(stdinFile, "r");
  try {
    const child = spawn("redis-cli", [...connection, ...(fd === undefined ? [] : ["-x"]), ...command], { stdio: [fd ?? "ignore", "pipe", "pipe"] });
    return await collect(child);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A long-running redis-cli (e.g. SUBSCRIBE) whose output arrives line by line. */
export interface RedisStream {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once the output contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function redisStream(connection: readonly string[], command: readonly string[]): RedisStream {
  const child = spawn("redis-cli", [...connection, ...command], { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const waiters = new Set<() => void>();
  const append = (c: Buffer): void => {
    text += c.toString("utf8");
    for (const w of waiters) w();
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  return {
    child,
    output: () => text,
    waitFor: (wanted, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!text.includes(wanted)) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`redis-cli output lacks ${JSON.stringify(wanted)} after ${timeoutMs} ms:\n${text.slice(-2000)}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
