// A real PostgreSQL server with TLS for end-to-end tests, run as an unprivileged
// process in a temporary directory: PostgreSQL refuses to run as root, so its files
// belong to the `postgres` system user the Debian package creates, and the server is
// started under that user with setpriv (which execs, so the PID we hold is the
// postmaster's own and we can stop exactly it).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { appendFileSync, chmodSync, chownSync, closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collect, type ClientResult } from "./childOutput.ts";
import { freePort } from "./ports.ts";

const BIN = "/usr/lib/postgresql/15/bin";
const OWNER = "postgres";

export interface PostgresServer {
  /** The name it reports as `cluster_name`, so a test can tell servers apart. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** Everything the server logged so far (connections are logged). Empty once stopped. */
  logs(): string;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  readonly name: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Address to listen on (default 127.0.0.1). */
  readonly listenAddress?: string;
  /** Port (default: a free loopback port). */
  readonly port?: number;
  /** TLS on (default); a server with ssl=off answers an SSLRequest with "N". */
  readonly ssl?: boolean;
  /** Command prefix the server runs under, e.g. ["ip", "netns", "exec", NS] (must exec). */
  readonly wrap?: readonly string[];
}

/** Runs as root (the test machine) switch to OWNER; an ordinary user runs the server as itself. */
const IS_ROOT = process.getuid?.() === 0;

function userIds(user: string): { uid: number; gid: number } {
  if (!IS_ROOT) return { uid: process.getuid!(), gid: process.getgid!() };
  const run = spawnSync("id", [user], { encoding: "utf8" });
  const uid = /uid=(\d+)/.exec(run.stdout)?.[1];
  const gid = /gid=(\d+)/.exec(run.stdout)?.[1];
  if (run.status !== 0 || uid === undefined || gid === undefined) throw new Error(`no system user ${user}: install the postgresql package`);
  return { uid: Number(uid), gid: Number(gid) };
}

function asOwner(command: string, args: readonly string[]): string[] {
  if (!IS_ROOT) return [command, ...args];
  return ["setpriv", "--reuid", OWNER, "--regid", OWNER, "--init-groups", "--", command, ...args];
}

async function waitReady(socketDir: string, port: number, child: ChildProcess, logs: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}:\n${logs()}`);
    const probe = spawnSync(`${BIN}/pg_isready`, ["-q", "-h", socketDir, "-p", String(port)]);
    if (probe.status === 0) return;
    await Bun.sleep(100);
  }
  throw new Error(`postgres not ready within ${timeoutMs} ms:\n${logs()}`);
}

/** initdb + postgres with ssl=on and trust authentication (the tests prove routing, not auth). */
export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const { uid, gid } = userIds(OWNER);
  const dir = mkdtempSync(join(tmpdir(), `courier-pg-${options.name}-`));
  chownSync(dir, uid, gid);
  // The server reads its key as its own user and insists on mode 0600.
  const certFile = join(dir, "server.crt");
  const keyFile = join(dir, "server.key");
  copyFileSync(options.certFile, certFile);
  copyFileSync(options.keyFile, keyFile);
  for (const file of [certFile, keyFile]) chownSync(file, uid, gid);
  chmodSync(keyFile, 0o600);

  const data = join(dir, "data");
  const [initCommand, ...initArgs] = asOwner(`${BIN}/initdb`, ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale", "C"]);
  const init = spawnSync(initCommand!, initArgs, { encoding: "utf8" });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr}`);
  }

  // initdb trusts only loopback; a server in a test network namespace sees the proxy
  // come from the namespace's peer address.
  if (options.ssl !== false) appendFileSync(join(data, "pg_hba.conf"), "hostssl all all 0.0.0.0/0 trust\n");

  const host = options.listenAddress ?? "127.0.0.1";
  const port = options.port ?? (await freePort());
  const settings = {
    listen_addresses: host,
    ...(options.ssl === false ? {} : { ssl: "on", ssl_cert_file: certFile, ssl_key_file: keyFile }),
    cluster_name: options.name,
    log_connections: "on",
    // A test server: durability costs time and proves nothing here.
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_wal_size: "1GB",
  };
  const args = ["-D", data, "-k", dir, "-p", String(port), ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
  const [command, ...rest] = [...(options.wrap ?? []), ...asOwner(`${BIN}/postgres`, args)];
  // The server logs into a file, not a pipe: a busy server (a log line per connection)
  // must never stall on a test process that is not reading at that moment.
  const logFile = join(dir, "server.log");
  const logFd = openSync(logFile, "a");
  const child = spawn(command!, rest, { stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  const text = (): string => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  const exited = new Promise<void>((done) => child.once("exit", () => done()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      // SIGINT is PostgreSQL's "fast" shutdown: it ends open sessions at once.
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(dir, port, child, text, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: options.name, host, port, pid: child.pid!, logs: text, stop };
}

/** libpq connection string for a TLS session to `hostname`, dialled at 127.0.0.1:port. */
export function conninfo(hostname: string, port: number, caFile: string, extra = ""): string {
  // libpq sends no SNI when `host` is an IP literal; hostaddr dials while host names the server.
  return `host=${hostname} hostaddr=127.0.0.1 port=${port} user=postgres dbname=postgres sslmode=verify-full sslrootcert=${caFile} ${extra}`.trim();
}

export interface PsqlOptions {
  /** A file fed to psql's stdin (for COPY ... FROM STDIN). */
  readonly stdinFile?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs one psql command (-c) and collects its unaligned, tuples-only output. */
export async function psql(conn: string, sql: string, options: PsqlOptions = {}): Promise<ClientResult> {
  const fd = options.stdinFile === undefined ? undefined : openSync(options.stdinFile, "r");
  try {
    const child = spawn("psql", [conn, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], {
      stdio: [fd ?? "ignore", "pipe", "pipe"],
      env: { ...process.env, PGCONNECT_TIMEOUT: "20", ...options.env },
    });
    return await collect(child);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
