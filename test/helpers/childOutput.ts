// Collects a client program's exit code and output (psql, redis-cli, ...).
import type { ChildProcess } from "node:child_process";

export interface ClientResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function collect(child: ChildProcess): Promise<ClientResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => void (stdout += c.toString("utf8")));
  child.stderr?.on("data", (c: Buffer) => void (stderr += c.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
