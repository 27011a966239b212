// The control plane leaves nothing behind: `down` ends its process and frees its
// port, a second `up` reuses the running one, and a cluster whose owner process
// dies (a test run killed midway) stops and removes its files by itself.
import { beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { clusterBinary } from "../helpers/cluster.ts";
import { processAlive } from "../helpers/processAlive.ts";

interface Info {
  readonly pid: number;
  readonly server: string;
}

let binary: string;
beforeAll(async () => {
  binary = await clusterBinary();
}, 30 * 60_000);

async function courierCluster(args: readonly string[]): Promise<string> {
  const child = Bun.spawn([binary, ...args], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`courier-cluster ${args.join(" ")}: ${stderr}`);
  return stdout;
}

function portOpen(server: string): Promise<boolean> {
  const url = new URL(server);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function eventually(check: () => boolean | Promise<boolean>, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await Bun.sleep(100);
  }
  return check();
}

function freshDir(): string {
  return join(mkdtempSync(join(tmpdir(), "courier-lifecycle-")), "cluster");
}

test("up twice reuses one cluster; down ends the process, frees the port and removes the files", async () => {
  const dir = freshDir();
  // The owner pid is only a safety net here, should the test fail before down.
  const first = await courierCluster(["up", "--dir", dir, "--crds", "none", "--owner-pid", String(process.pid)]);
  const info = JSON.parse(readFileSync(join(dir, "cluster.json"), "utf8")) as Info;
  expect(first.trim()).toBe(`KUBECONFIG=${join(dir, "kubeconfig")}`);
  expect(await portOpen(info.server)).toBe(true);

  expect(await courierCluster(["up", "--dir", dir])).toBe(first);
  expect((JSON.parse(readFileSync(join(dir, "cluster.json"), "utf8")) as Info).pid).toBe(info.pid);

  await courierCluster(["down", "--dir", dir]);
  expect(await eventually(() => !processAlive(info.pid), 5_000)).toBe(true);
  expect(await portOpen(info.server)).toBe(false);
  expect(existsSync(dir)).toBe(false);
  rmSync(dirname(dir), { recursive: true, force: true });
}, 120_000);

test("a cluster whose owner process is gone stops and removes its files", async () => {
  const dir = freshDir();
  const owner = Bun.spawn(["sleep", "600"]);
  await courierCluster(["up", "--dir", dir, "--crds", "none", "--owner-pid", String(owner.pid)]);
  const info = JSON.parse(readFileSync(join(dir, "cluster.json"), "utf8")) as Info;
  expect(processAlive(info.pid)).toBe(true);

  owner.kill("SIGKILL");
  await owner.exited;
  expect(await eventually(() => !processAlive(info.pid), 5_000)).toBe(true);
  expect(await portOpen(info.server)).toBe(false);
  expect(existsSync(dir)).toBe(false);
  rmSync(dirname(dir), { recursive: true, force: true });
}, 120_000);
