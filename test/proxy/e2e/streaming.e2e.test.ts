// Byte-level behaviour of the proxy process: half-close, backpressure with bounded
// memory, streams that outlive configuration reloads, SIGTERM draining, the hello
// deadline and keeping the last good configuration. Clients send a real ClientHello
// and then raw bytes; the backends are plain TCP servers (the proxy never looks past
// the hello, so they need not speak TLS).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COURIER_CLASS, gatewayManifest, routeManifest, writeScenario, type RouteSpec } from "../../helpers/manifests.ts";
import { freePort } from "../../helpers/ports.ts";
import { startProxy, type ProxyProcess } from "../../helpers/proxyProcess.ts";
import { startRawBackend, type RawBackend } from "../../helpers/rawBackend.ts";
import { clientHello } from "../dataplane/clienthello/clientHelloBuilder.ts";

const MiB = 1024 * 1024;
const countHello = Buffer.from(clientHello({ serverName: "count.example.com" }));
const sendHello = Buffer.from(clientHello({ serverName: "send.example.com" }));
const SEND_BYTES = 256 * MiB;

let dir: string;
let counter: RawBackend;
let sender: RawBackend;
let files: { manifests: string; endpoints: string };
let port: number;
let proxy: ProxyProcess;

function routes(extraWeight: number): RouteSpec[] {
  return [
    { name: "count", hostnames: ["count.example.com"], backends: [{ name: "counter", port: 443 }] },
    { name: "send", hostnames: ["send.example.com"], backends: [{ name: "sender", port: 443 }] },
    // Changed on every reload so that each reload yields a different Plan.
    { name: "churn", hostnames: ["churn.example.com"], backends: [{ name: "counter", port: 443, weight: extraWeight }] },
  ];
}

function writeConfig(extraWeight: number): void {
  files = writeScenario(dir, [COURIER_CLASS, gatewayManifest("gw", [{ name: "tls", port: 443 }]), ...routes(extraWeight).map(routeManifest)], [
    { name: "counter", port: 443, endpoints: [`${counter.host}:${counter.port}`] },
    { name: "sender", port: 443, endpoints: [`${sender.host}:${sender.port}`] },
  ]);
}

function proxyArgs(listenPort: number): string[] {
  return ["--manifests", files.manifests, "--endpoints", files.endpoints, "--port-offset", String(listenPort - 443), "--listen-address", "127.0.0.1"];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "courier-stream-"));
  counter = await startRawBackend("count", countHello.length);
  sender = await startRawBackend("send", sendHello.length, SEND_BYTES);
  writeConfig(1);
  port = await freePort();
  proxy = await startProxy(proxyArgs(port));
});

afterAll(async () => {
  await proxy?.stop();
  await counter?.close();
  await sender?.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(listenPort: number, hello: Buffer): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: listenPort, allowHalfOpen: true }, () => {
      socket.write(hello);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

function readAll(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.once("end", () => resolve(Buffer.concat(chunks)));
    socket.once("error", reject);
  });
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) * 1024;
}

describe("streams", () => {
  test("half-close: the client's FIN reaches the backend and its reply still comes back", async () => {
    const socket = await open(port, countHello);
    const reply = readAll(socket);
    socket.write(Buffer.alloc(MiB, 1));
    socket.end();
    expect((await reply).toString()).toBe(`count=${MiB}\n`);
  });

  test("backpressure: 256 MiB to a reader that stalls keeps the proxy's memory bounded", async () => {
    const baseline = rssBytes(proxy.pid);
    const socket = await open(port, sendHello);
    socket.pause();
    let peak = baseline;
    const sample = setInterval(() => (peak = Math.max(peak, rssBytes(proxy.pid))), 50);
    await Bun.sleep(3_000);
    const stalledPeak = peak;
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      socket.on("data", (c: Buffer) => void (received += c.length));
      socket.once("end", () => resolve());
      socket.once("error", reject);
      socket.resume();
    });
    clearInterval(sample);
    expect(received).toBe(SEND_BYTES);
    console.log(`proxy RSS: baseline ${(baseline / MiB).toFixed(1)} MiB, peak while stalled ${(stalledPeak / MiB).toFixed(1)} MiB, peak overall ${(peak / MiB).toFixed(1)} MiB`);
    // The proxy holds at most one read per direction; the rest waits in kernel buffers.
    expect(peak - baseline).toBeLessThan(48 * MiB);
  }, 120_000);

  test("a stream keeps flowing through 100 configuration reloads", async () => {
    const socket = await open(port, countHello);
    const reply = readAll(socket);
    const loadedBefore = proxy.logs().split("configuration loaded").length;
    let sent = 0;
    for (let i = 0; i < 100; i++) {
      writeConfig(2 + i);
      const chunk = Buffer.alloc(64 * 1024, i);
      socket.write(chunk);
      sent += chunk.length;
      await proxy.waitForLog(new RegExp(`configuration loaded .*generation=${loadedBefore + i}\\b`), 10_000);
    }
    socket.end();
    expect((await reply).toString()).toBe(`count=${sent}\n`);
  }, 120_000);
});

describe("bad input and shutdown", () => {
  test("an invalid manifest is reported by file and the last good configuration keeps serving", async () => {
    const file = join(files.manifests, "broken.yaml");
    writeFileSync(file, "apiVersion: gateway.networking.k8s.io/v1\nkind: TLSRoute\nmetadata: {name: broken, namespace: default}\nspec:\n  hostnames: [\"bad_host!\"]\n  parentRefs: [{name: gw}]\n  rules: [{backendRefs: [{name: counter, port: 443}]}]\n");
    await proxy.waitForLog(/keeping the last good configuration/);
    expect(proxy.logs()).toContain("broken.yaml");
    const socket = await open(port, countHello);
    const reply = readAll(socket);
    socket.end("still routed");
    expect((await reply).toString()).toBe("count=12\n");
    rmSync(file);
  });

  test("a client that never finishes its hello is closed at the deadline", async () => {
    const slowPort = await freePort();
    const slow = await startProxy([...proxyArgs(slowPort), "--hello-timeout", "1s"]);
    try {
      const socket = await open(slowPort, countHello.subarray(0, 10));
      // Closed either way counts: a FIN, or a reset when the deadline fell before the
      // proxy had read the partial hello (a loaded machine), which the kernel sends as RST.
      const closed = await Promise.race([readAll(socket).then(() => "closed", () => "closed"), Bun.sleep(8_000).then(() => "still open")]);
      expect(closed).toBe("closed");
      socket.destroy();
    } finally {
      await slow.stop();
    }
  });

  test("SIGTERM: stops accepting, lets open connections finish, then exits", async () => {
    const drainPort = await freePort();
    const draining = await startProxy(proxyArgs(drainPort));
    const socket = await open(drainPort, countHello);
    const reply = readAll(socket);
    socket.write("before ");
    await Bun.sleep(200);
    draining.child.kill("SIGTERM");
    await draining.waitForLog(/draining/);
    const refused = await new Promise<boolean>((resolve) => {
      const probe = connect({ host: "127.0.0.1", port: drainPort }, () => {
        probe.destroy();
        resolve(false);
      });
      probe.once("error", () => resolve(true));
    });
    expect(refused).toBe(true);
    socket.end("after");
    expect((await reply).toString()).toBe("count=12\n");
    expect(await draining.stop(10_000)).toBe(0);
  });
});
