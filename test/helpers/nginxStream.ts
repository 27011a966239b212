// A real PROXY protocol receiver for tests: nginx's stream module (Debian's nginx +
// libnginx-mod-stream) listening with `proxy_protocol` and passing the bytes after the
// header on to one upstream. Its access log records what the header said, one line
// per session as the session ends. It runs in the foreground as one process
// (master_process off), with its own prefix, config and logs in a temporary directory.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collect } from "./childOutput.ts";
import { freePort } from "./ports.ts";

const NGINX = "/usr/sbin/nginx";
const STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";

/** One session as nginx logged it. */
export interface NginxSession {
  /** "address:port" of the client, from the PROXY header. */
  readonly client: string;
  /** "address:port" the client connected to, from the PROXY header. */
  readonly server: string;
  /** "address:port" of the TCP peer nginx accepted (the proxy that sent the header). */
  readonly peer: string;
  /** The AUTHORITY TLV (the SNI); undefined when this nginx cannot read TLVs (before 1.23.2). */
  readonly authority: string | undefined;
  /** nginx's session status: 200 passed through, 400 a bad or missing header, 502 upstream down. */
  readonly status: number;
}

export interface NginxStream {
  readonly host: string;
  readonly port: number;
  /** Whether this nginx logs the AUTHORITY TLV ($proxy_protocol_tlv_authority, nginx 1.23.2+). */
  readonly readsAuthority: boolean;
  /** The sessions logged so far. */
  sessions(): NginxSession[];
  /** Resolves with the first logged session `match` accepts; sessions are logged as they end. */
  waitForSession(match: (session: NginxSession) => boolean, timeoutMs?: number): Promise<NginxSession>;
  /** Stops nginx; resolves with its error log (its stderr). */
  stop(): Promise<string>;
}

/** nginx's version as [major, minor, patch], from `nginx -v`. */
function nginxVersion(): readonly number[] {
  const run = spawnSync(NGINX, ["-v"], { encoding: "utf8" });
  const version = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(`${run.stdout}${run.stderr}`);
  if (version === null) throw new Error(`no nginx at ${NGINX}: run sh scripts/ensure.sh nginx libnginx-mod-stream`);
  return version.slice(1).map(Number);
}

function atLeast(version: readonly number[], wanted: readonly number[]): boolean {
  for (const [i, part] of wanted.entries()) {
    if (version[i]! !== part) return version[i]! > part;
  }
  return true;
}

/** The access log's fields, in order, separated by tabs. */
const FIELDS = ["client", "server", "peer", "authority", "status"] as const;

function parseLine(line: string): NginxSession {
  const values = line.split("\t");
  const field = (name: (typeof FIELDS)[number]): string => values[FIELDS.indexOf(name)] ?? "";
  const authority = field("authority");
  return {
    client: field("client"),
    server: field("server"),
    peer: field("peer"),
    authority: authority === "unsupported" ? undefined : authority,
    status: Number(field("status")),
  };
}

/**
 * nginx on a loopback port (`port`, e.g. one already written into an endpoints file,
 * or a free one), reading a PROXY protocol header from every connection and passing
 * the rest to `upstream` ("host:port").
 */
export async function startNginxStream(upstream: string, port?: number): Promise<NginxStream> {
  const readsAuthority = atLeast(nginxVersion(), [1, 23, 2]);
  const host = "127.0.0.1";
  const listenPort = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "courier-nginx-"));
  const pidFile = join(dir, "nginx.pid");
  const accessLog = join(dir, "access.log");
  const format = [
    "$proxy_protocol_addr:$proxy_protocol_port",
    "$proxy_protocol_server_addr:$proxy_protocol_server_port",
    "$remote_addr:$remote_port",
    readsAuthority ? "$proxy_protocol_tlv_authority" : "unsupported",
    "$status",
  ].join("\t");
  const config = join(dir, "nginx.conf");
  writeFileSync(
    config,
    [
      `load_module ${STREAM_MODULE};`,
      "daemon off;",
      // One process: the PID we hold is all there is to stop.
      "master_process off;",
      `pid ${pidFile};`,
      "error_log stderr info;",
      "events { worker_connections 64; }",
      "stream {",
      `  log_format courier '${format}';`,
      `  access_log ${accessLog} courier;`,
      "  server {",
      `    listen ${host}:${listenPort} proxy_protocol;`,
      "    proxy_protocol_timeout 5s;",
      `    proxy_pass ${upstream};`,
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  // -e: the error log before the config is read, else the compiled-in path under /var/log.
  const child = spawn(NGINX, ["-p", dir, "-c", config, "-e", "stderr"], { stdio: ["ignore", "pipe", "pipe"] });
  const output = collect(child);

  const stop = async (): Promise<string> => {
    // SIGTERM is nginx's fast shutdown.
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const result = await output.catch((error: Error) => ({ stderr: error.message }));
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
    return result.stderr;
  };

  // The PID file is written once the listening socket is open.
  const deadline = Date.now() + 10_000;
  while (!existsSync(pidFile)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const errors = await stop();
      throw new Error(`nginx did not start (exit ${child.exitCode}):\n${errors}`);
    }
    await Bun.sleep(20);
  }

  const sessions = (): NginxSession[] => {
    if (!existsSync(accessLog)) return [];
    return readFileSync(accessLog, "utf8").split("\n").filter((line) => line !== "").map(parseLine);
  };
  return {
    host,
    port: listenPort,
    readsAuthority,
    sessions,
    async waitForSession(match, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const found = sessions().find(match);
        if (found !== undefined) return found;
        await Bun.sleep(50);
      }
      throw new Error(`nginx logged no matching session within ${timeoutMs} ms; sessions: ${JSON.stringify(sessions())}`);
    },
    stop,
  };
}
