// One long-lived psql session fed through its stdin, for tests that need a database
// connection to stay open (and idle) between queries, the way an application's is.
import { spawn } from "node:child_process";

export interface PsqlSession {
  /** Runs SQL and resolves with its unaligned, tuples-only output. */
  query(sql: string, timeoutMs?: number): Promise<string>;
  /** Resolves when psql exits, with its exit code and everything it wrote to stderr. */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
  end(): Promise<void>;
}

const DONE = "__courier_query_done__";

export function openPsqlSession(conn: string): PsqlSession {
  const child = spawn("psql", [conn, "-X", "-A", "-t", "-q"], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of waiters) w();
  };
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
    wake();
  });
  child.stderr.on("data", (c: Buffer) => void (stderr += c.toString("utf8")));
  // psql exits on EOF of its stdin; a write after that must not crash the test.
  child.stdin.on("error", () => {});
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once("close", (code) => {
      wake();
      resolve({ code, stderr });
    }),
  );

  const query = (sql: string, timeoutMs = 20_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const start = stdout.length;
      const check = (): void => {
        const at = stdout.indexOf(`${DONE}\n`, start);
        if (at !== -1) {
          finish();
          resolve(stdout.slice(start, at));
        } else if (child.exitCode !== null || child.signalCode !== null) {
          finish();
          reject(new Error(`psql exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no answer to ${JSON.stringify(sql)} within ${timeoutMs} ms; stderr: ${stderr}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      // \echo runs after the statement completes, so it marks the end of its output.
      child.stdin.write(`${sql};\n\\echo ${DONE}\n`);
    });

  return {
    query,
    exited,
    async end() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
