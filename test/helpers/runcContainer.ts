// Runs one container under runc from a bundle (a rootfs plus config.json), with its
// own runc state folder and a unique id, and always removes it: `runc delete --force`
// on stop, and again from a process exit hook if the test runner dies first.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RuntimeSpec } from "./runcSpec.ts";

export interface Container {
  readonly id: string;
  /** Everything the container wrote to stdout and stderr so far. */
  logs(): string;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** The container's first process, as seen from the host (from `runc state`). */
  hostPid(): number;
  /** Resolves with the exit code of the container's process. */
  readonly exited: Promise<number | null>;
  /** Sends a signal through runc (as the kubelet's runtime does on pod deletion). */
  signal(name: "TERM" | "KILL"): void;
  /** Kills what is left and deletes the container and its bundle; safe to call twice. */
  remove(): Promise<void>;
}

const live = new Set<() => void>();
process.once("exit", () => {
  for (const cleanup of live) cleanup();
});

function runcArgs(stateDir: string, args: readonly string[]): string[] {
  return ["--root", stateDir, ...args];
}

/** Starts `runc run` in the foreground of a child process, from a fresh bundle whose root is `rootfs`. */
export function startContainer(rootfs: string, spec: RuntimeSpec, name = "courier"): Container {
  const id = `${name}-${process.pid}-${randomBytes(4).toString("hex")}`;
  const work = mkdtempSync(join(tmpdir(), "courier-runc-"));
  const bundle = join(work, "bundle");
  const stateDir = join(work, "state");
  mkdirSync(bundle);
  mkdirSync(stateDir);
  // The root may be shared by several containers: it is read-only, and runc takes an absolute path.
  writeFileSync(join(bundle, "config.json"), JSON.stringify({ ...spec, root: { ...spec.root, path: rootfs } }, null, 2));

  const child: ChildProcess = spawn("runc", runcArgs(stateDir, ["run", "--bundle", bundle, id]), { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const waiters = new Set<() => void>();
  const onChunk = (chunk: Buffer): void => {
    text += chunk.toString("utf8");
    for (const w of waiters) w();
  };
  child.stdout!.on("data", onChunk);
  child.stderr!.on("data", onChunk);
  let hasExited = false;
  const exited = new Promise<number | null>((done) =>
    // "close" comes after the last output, unlike "exit".
    child.once("close", (code) => {
      hasExited = true;
      for (const w of waiters) w();
      done(code);
    }),
  );

  let removed = false;
  const forceDelete = (): void => {
    if (removed) return;
    removed = true;
    spawnSync("runc", runcArgs(stateDir, ["delete", "--force", id]), { stdio: "ignore" });
    rmSync(work, { recursive: true, force: true });
    live.delete(forceDelete);
  };
  live.add(forceDelete);

  const waitForLog = (pattern: RegExp, timeoutMs = 15_000): Promise<string> =>
    new Promise((resolveLine, reject) => {
      const check = (): void => {
        const line = text.split("\n").find((l) => pattern.test(l));
        if (line !== undefined) {
          cleanup();
          resolveLine(line);
        } else if (hasExited) {
          cleanup();
          reject(new Error(`container ${id} exited before any output matched ${pattern}; output:\n${text}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`container ${id}: no output matching ${pattern} within ${timeoutMs} ms; output:\n${text}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return {
    id,
    logs: () => text,
    waitForLog,
    hostPid() {
      const state = spawnSync("runc", runcArgs(stateDir, ["state", id]), { encoding: "utf8" });
      if (state.status !== 0) throw new Error(`runc state ${id}: ${state.stderr}`);
      return (JSON.parse(state.stdout) as { pid: number }).pid;
    },
    exited,
    signal(signal) {
      spawnSync("runc", runcArgs(stateDir, ["kill", id, signal]), { stdio: "ignore" });
    },
    async remove() {
      if (child.exitCode === null && child.signalCode === null) {
        spawnSync("runc", runcArgs(stateDir, ["kill", id, "KILL"]), { stdio: "ignore" });
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      forceDelete();
    },
  };
}

/** Runs a container to completion (bounded by `timeoutMs`) and returns its exit code and output. */
export async function runContainer(rootfs: string, spec: RuntimeSpec, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  const container = startContainer(rootfs, spec);
  const timer = setTimeout(() => container.signal("KILL"), timeoutMs);
  try {
    const code = await container.exited;
    return { code, output: container.logs() };
  } finally {
    clearTimeout(timer);
    await container.remove();
  }
}
