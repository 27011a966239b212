// `openssl s_server` as a TLS peer: the reference implementation most backends'
// TLS stacks are measured against. Started on a free port, stopped by its PID.
import { spawn, type ChildProcess } from "node:child_process";
import type { IssuedCert } from "../../demo/pki.ts";
import { freePort } from "./ports.ts";

export interface OpensslServer {
  readonly port: number;
  /** Everything s_server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** `extraArgs`: e.g. ["-tls1_2"] to pin the protocol version. */
export async function startOpensslServer(cert: IssuedCert, extraArgs: readonly string[] = [], timeoutMs = 5_000): Promise<OpensslServer> {
  const port = await freePort();
  const child: ChildProcess = spawn("openssl", ["s_server", "-accept", `127.0.0.1:${port}`, "-cert", cert.certFile, "-key", cert.keyFile, ...extraArgs], { stdio: ["pipe", "pipe", "pipe"] });
  let text = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`openssl s_server did not accept within ${timeoutMs} ms:\n${text}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString("utf8");
      if (/^ACCEPT/m.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`openssl s_server exited with ${code}:\n${text}`));
    });
  });
  return {
    port,
    output: () => text,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
