// `openssl s_client`, the command users try first, run against the proxy.
import { spawn } from "node:child_process";

export interface SClientResult {
  readonly output: string;
  readonly code: number | null;
}

/**
 * Connects with openssl s_client, waits until `until` shows up in its output (or
 * the timeout), then closes its stdin so that it disconnects and exits.
 */
export async function sClient(args: readonly string[], until: RegExp, timeoutMs = 5_000): Promise<SClientResult> {
  const child = spawn("openssl", ["s_client", ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  const finish = (): void => {
    clearTimeout(timer);
    child.stdin.end();
  };
  const timer = setTimeout(finish, timeoutMs);
  const onData = (chunk: Buffer): void => {
    output += chunk.toString("utf8");
    if (until.test(output)) finish();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  return { output, code };
}
