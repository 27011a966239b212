// `courier serve --workers 2`: two data-plane threads share the listening port. Real
// TLS clients and backends; the kernel spreads connections over both threads (seen
// in /metrics), configuration changes reach both while streams keep flowing, and a
// thread that dies is restarted while the other keeps accepting.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { echoLine } from "../../helpers/echoLine.ts";
import { freePort } from "../../helpers/ports.ts";
import { startScenario, type Scenario } from "../../helpers/scenario.ts";
import { openTls, landing, type TlsSession } from "../../helpers/tlsClient.ts";

const ROUTES = [{ name: "app", hostnames: ["app.example.com"], backends: [{ name: "app", port: 443 }] }];

async function scrape(port: number): Promise<string> {
  return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("two data-plane workers", () => {
  let world: Scenario;
  let probePort: number;

  beforeAll(async () => {
    probePort = await freePort();
    world = await startScenario({
      backends: [{ name: "app", dnsNames: ["app.example.com"] }, { name: "other", dnsNames: ["app.example.com"] }],
      routes: ROUTES,
      proxyArgs: ["--workers", "2", "--probe-address", `127.0.0.1:${probePort}`],
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  test("connections spread over both threads; /metrics sums them", async () => {
    expect(world.proxy.logs()).toMatch(/ready .*workers=2/);
    const sessions: TlsSession[] = [];
    try {
      for (let i = 0; i < 30; i++) sessions.push(await openTls(world.port, "app.example.com", world.pki.ca));
      for (const session of sessions) expect(await session.firstLine).toBe("app");
      const text = await scrape(probePort);
      const perWorker = [0, 1].map((w) => sample(text, `courier_worker_connections_active{worker="${w}"}`) ?? 0);
      // SO_REUSEPORT hashes each connection's addresses: all 30 on one thread is a 1-in-2^29 chance.
      expect(perWorker[0]).toBeGreaterThan(0);
      expect(perWorker[1]).toBeGreaterThan(0);
      expect(perWorker[0]! + perWorker[1]!).toBe(30);
      expect(sample(text, "courier_workers")).toBe(2);
      expect(text).toMatch(/courier_connections_active\{listener="[^"]+"\} 30/);
    } finally {
      for (const session of sessions) session.socket.destroy();
    }
  });

  test("a configuration change reaches both threads; open streams keep flowing", async () => {
    const streams: TlsSession[] = [];
    try {
      for (let i = 0; i < 10; i++) streams.push(await openTls(world.port, "app.example.com", world.pki.ca));
      for (const s of streams) await s.firstLine;
      world.rewrite([{ name: "app", hostnames: ["app.example.com"], backends: [{ name: "other", port: 443 }] }]);
      await world.proxy.waitForLog(/configuration loaded generation=2/);
      // New connections land on the new backend whichever thread accepts them.
      for (let i = 0; i < 20; i++) expect(await landing(world.port, "app.example.com", world.pki.ca)).toBe("other");
      // The old streams still reach their backend, byte for byte.
      for (const [i, s] of streams.entries()) expect(await echoLine(s, `line ${i}`)).toBe(`line ${i}`);
    } finally {
      for (const s of streams) s.socket.destroy();
      world.rewrite(ROUTES);
    }
  });
});

describe("a data-plane thread that dies", () => {
  test("is restarted with the current configuration; the other thread keeps accepting", async () => {
    const probePort = await freePort();
    const world = await startScenario({
      backends: [{ name: "app", dnsNames: ["app.example.com"] }],
      routes: ROUTES,
      proxyArgs: ["--workers", "2", "--probe-address", `127.0.0.1:${probePort}`],
      // Fault injection (a thread cannot be killed from outside): worker 1's first thread exits after 1.5 s.
      env: { COURIER_FAULT_WORKER_EXIT: "1:1500" },
    });
    try {
      let served = 0;
      let failed = 0;
      const until = Date.now() + 4_000;
      for (let i = 0; i < 400 && Date.now() < until; i++) {
        try {
          if ((await landing(world.port, "app.example.com", world.pki.ca)) === "app") served++;
        } catch {
          failed++;
        }
        await Bun.sleep(10);
      }
      await world.proxy.waitForLog(/data-plane worker stopped; restarting it worker=1 code=70/);
      // A connection waiting in the dying thread's accept queue is reset by the kernel:
      // at this rate that is at most one.
      expect(failed).toBeLessThanOrEqual(1);
      expect(served).toBeGreaterThan(100);
      const text = await scrape(probePort);
      expect(sample(text, "courier_worker_restarts_total")).toBe(1);
      // The restarted thread serves again: held connections spread over both threads.
      const sessions: TlsSession[] = [];
      try {
        for (let i = 0; i < 30; i++) sessions.push(await openTls(world.port, "app.example.com", world.pki.ca));
        for (const session of sessions) await session.firstLine;
        const after = await scrape(probePort);
        expect(sample(after, `courier_worker_connections_active{worker="1"}`) ?? 0).toBeGreaterThan(0);
      } finally {
        for (const session of sessions) session.socket.destroy();
      }
    } finally {
      await world.close();
    }
  });
});

describe("a port with more hostnames than one part", () => {
  // 2,500 hostnames over three routes (a route may list 1,024): the port reaches each
  // worker in three parts, then is applied whole.
  const names = Array.from({ length: 2_500 }, (_, i) => `h${i}.bulk.example.com`);
  const bulk = (backend: string) => [0, 1, 2].map((r) => ({ name: `bulk-${r}`, hostnames: names.slice(r * 834, (r + 1) * 834), backends: [{ name: backend, port: 443 }] }));

  test("is routed whole by both threads, and again after a change", async () => {
    const world = await startScenario({
      backends: [{ name: "app", dnsNames: ["*.bulk.example.com"] }, { name: "other", dnsNames: ["*.bulk.example.com"] }],
      routes: bulk("app"),
      proxyArgs: ["--workers", "2"],
    });
    try {
      const samples = ["h0", "h999", "h1000", "h1999", "h2000", "h2499"].map((h) => `${h}.bulk.example.com`);
      // Ten connections per name: both threads answer some of them.
      for (const sni of samples) for (let i = 0; i < 10; i++) expect(await landing(world.port, sni, world.pki.ca)).toBe("app");
      world.rewrite(bulk("other"));
      const until = Date.now() + 10_000;
      while (Date.now() < until && (await landing(world.port, samples[0]!, world.pki.ca)) !== "other") await Bun.sleep(100);
      for (const sni of samples) for (let i = 0; i < 10; i++) expect(await landing(world.port, sni, world.pki.ca)).toBe("other");
    } finally {
      await world.close();
    }
  });
});
