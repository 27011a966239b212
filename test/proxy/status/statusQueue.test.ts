// The status queue against a fake API server: only what differs is written, a Plan
// that changes one route writes one route, Courier's own writes coming back through
// the watch are not news, changed objects jump the queue, few writes are in flight,
// and conflicts and 429s are retried.
import { describe, expect, test } from "bun:test";
import { Logger } from "../../../proxy/lib/log.ts";
import type { KubeObject, LiveGatewayObjects } from "../../../proxy/kubeapi/objects.ts";
import type { Plan, RouteStatusPlan } from "../../../proxy/model/plan.ts";
import { StatusQueue } from "../../../proxy/status/statusQueue.ts";
import type { Status, StatusTarget, StatusWriting, WriteResult } from "../../../proxy/status/statusWriter.ts";
import { STATUS_WRITE_CONCURRENCY, WriteLimiter } from "../../../proxy/status/writeLimiter.ts";

function route(name: string, message: string, generation = 1): RouteStatusPlan {
  return {
    key: { namespace: "ns", name },
    apiVersion: "gateway.networking.k8s.io/v1",
    parents: [{ parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw" }, controllerName: "example.com/courier", conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message, observedGeneration: generation }] }],
  };
}

function plan(routes: readonly RouteStatusPlan[]): Plan {
  return { ports: [], gatewayClasses: [], gateways: [], routes, warnings: [] };
}

/**
 * An API server of TLSRoutes whose status is one message; writes answer after
 * `delayMs`; the watch (the live objects) shows a write `watchLagMs` after it (0: at
 * once, its event a moment later).
 */
class FakeServer implements StatusWriting {
  readonly routes = new Map<string, KubeObject>();
  readonly writes: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** The next results to give, before plain success. */
  readonly script: WriteResult["outcome"][] = [];
  private version = 100;
  queue: StatusQueue | undefined;

  constructor(
    names: readonly string[],
    private readonly delayMs = 1,
    private readonly watchLagMs = 0,
  ) {
    for (const name of names) this.routes.set(`ns/${name}`, { metadata: { namespace: "ns", name, resourceVersion: String(this.version++), generation: 1 } as KubeObject["metadata"], status: {} });
  }

  live = (): LiveGatewayObjects => ({ gatewayClasses: new Map(), gateways: new Map(), tlsRoutes: this.routes });

  desiredStatus(object: KubeObject, target: StatusTarget): Status | undefined {
    const message = target.kind === "TLSRoute" ? (target.entry?.parents[0]?.conditions[0]?.message ?? "none") : "none";
    return (object.status as { message?: string } | undefined)?.message === message ? undefined : { message };
  }

  async patch(object: KubeObject, _kind: StatusTarget["kind"], status: Status): Promise<WriteResult> {
    const key = `ns/${object.metadata!.name!}`;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await Bun.sleep(this.delayMs);
    this.inFlight--;
    const scripted = this.script.shift();
    if (scripted === "conflict" || scripted === "throttled" || scripted === "failed") return { outcome: scripted };
    this.writes.push(object.metadata!.name!);
    const resourceVersion = String(this.version++);
    const updated = { ...object, metadata: { ...object.metadata, resourceVersion }, status };
    if (this.watchLagMs === 0) {
      this.routes.set(key, updated);
      // The watch echoes the write a moment later.
      setTimeout(() => this.queue?.liveChanged("TLSRoute", key), 1);
    } else {
      setTimeout(() => {
        this.routes.set(key, updated);
        this.queue?.liveChanged("TLSRoute", key);
      }, this.watchLagMs);
    }
    return { outcome: "written", resourceVersion };
  }

  /** Someone else changes the object's status. */
  overwrite(name: string, message: string): void {
    const key = `ns/${name}`;
    const object = this.routes.get(key)!;
    this.routes.set(key, { ...object, metadata: { ...object.metadata, resourceVersion: String(this.version++) }, status: { message } });
    this.queue?.liveChanged("TLSRoute", key);
  }
}

function setUp(names: readonly string[], delayMs = 1, watchLagMs = 0): { server: FakeServer; queue: StatusQueue } {
  const server = new FakeServer(names, delayMs, watchLagMs);
  const queue = new StatusQueue(server, server.live, new Logger("error", () => {}), new WriteLimiter(100_000));
  server.queue = queue;
  return { server, queue };
}

async function settle(queue: StatusQueue, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  // Idle twice in a row: the watch echoes of the last writes are handled too.
  let idle = 0;
  while (idle < 2 && performance.now() < deadline) {
    await Bun.sleep(20);
    idle = queue.pending === 0 ? idle + 1 : 0;
  }
}

const names = Array.from({ length: 50 }, (_, i) => `r${i}`);

describe("status queue", () => {
  test("writes every object that differs once, then only what a new Plan changes", async () => {
    const { server, queue } = setUp(names);
    queue.setPlan(plan(names.map((n) => route(n, "hello"))));
    queue.start();
    await settle(queue);
    expect(server.writes.sort()).toEqual([...names].sort());

    server.writes.length = 0;
    queue.setPlan(plan(names.map((n) => route(n, n === "r7" ? "changed" : "hello"))));
    await settle(queue);
    expect(server.writes).toEqual(["r7"]);
    await queue.stop();
  });

  test("its own writes coming back through the watch are not checked again; someone else's are", async () => {
    const { server, queue } = setUp(names);
    let checks = 0;
    const desired = server.desiredStatus.bind(server);
    server.desiredStatus = (object, target) => {
      checks++;
      return desired(object, target);
    };
    queue.setPlan(plan(names.map((n) => route(n, "hello"))));
    queue.start();
    await settle(queue);
    // One check per object: the 50 echoes were recognised by their resourceVersion.
    expect(checks).toBe(names.length);

    server.writes.length = 0;
    server.overwrite("r3", "tampered");
    await settle(queue);
    expect(server.writes).toEqual(["r3"]);
    expect((server.routes.get("ns/r3")!.status as { message: string }).message).toBe("hello");
    await queue.stop();
  });

  test("a Plan that changes back before the watch shows Courier's own write is written again", async () => {
    const { server, queue } = setUp(["r0"], 1, 60);
    const message = (): string | undefined => (server.routes.get("ns/r0")!.status as { message?: string }).message;
    queue.setPlan(plan([route("r0", "A")]));
    queue.start();
    await Bun.sleep(150);
    expect(message()).toBe("A");
    queue.setPlan(plan([route("r0", "B")]));
    await Bun.sleep(20);
    expect(server.writes).toEqual(["r0", "r0"]);
    // Checked against the watch's copy, which still says A: nothing to write yet...
    queue.setPlan(plan([route("r0", "A")]));
    await Bun.sleep(20);
    expect(server.writes).toHaveLength(2);
    // ...but the echo of B is not taken as settled: the entry changed since B was written.
    await Bun.sleep(200);
    expect(server.writes).toHaveLength(3);
    expect(message()).toBe("A");
    await queue.stop();
  });

  test("a plan computed for an older generation waits for the newer Plan", async () => {
    const { server, queue } = setUp(["r0"]);
    const object = server.routes.get("ns/r0")!;
    server.routes.set("ns/r0", { ...object, metadata: { ...object.metadata, generation: 2 } as KubeObject["metadata"] });
    queue.setPlan(plan([route("r0", "old", 1)]));
    queue.start();
    await settle(queue);
    expect(server.writes).toEqual([]);
    queue.setPlan(plan([route("r0", "new", 2)]));
    await settle(queue);
    expect(server.writes).toEqual(["r0"]);
    await queue.stop();
  });

  test(`a changed object is written before the backlog, and at most ${STATUS_WRITE_CONCURRENCY} writes are in flight`, async () => {
    const many = Array.from({ length: 400 }, (_, i) => `r${String(i).padStart(3, "0")}`);
    const { server, queue } = setUp(many, 5);
    queue.setPlan(plan(many.map((n) => route(n, "hello"))));
    queue.start();
    await Bun.sleep(30);
    // The first pass is under way; a user changes the last route of the list.
    queue.setPlan(plan(many.map((n) => route(n, n === "r399" ? "urgent" : "hello"))));
    await settle(queue);
    expect(server.writes.indexOf("r399")).toBeLessThan(100);
    expect(server.writes.filter((n) => n === "r399").length).toBeLessThanOrEqual(2);
    expect(server.maxInFlight).toBeLessThanOrEqual(STATUS_WRITE_CONCURRENCY);
    expect(new Set(server.writes).size).toBe(many.length);
    await queue.stop();
  });

  test("conflicts and 429s are retried", async () => {
    const { server, queue } = setUp(["r0", "r1"]);
    server.script.push("conflict", "throttled");
    queue.setPlan(plan([route("r0", "hello"), route("r1", "hello")]));
    queue.start();
    await settle(queue);
    expect(server.writes.sort()).toEqual(["r0", "r1"]);
    await queue.stop();
    queue.dispose();
  });

  test("a route the Plan drops is written again (Courier's entries go)", async () => {
    const { server, queue } = setUp(["r0", "r1"]);
    queue.setPlan(plan([route("r0", "hello"), route("r1", "hello")]));
    queue.start();
    await settle(queue);
    server.writes.length = 0;
    queue.setPlan(plan([route("r0", "hello")]));
    await settle(queue);
    expect(server.writes).toEqual(["r1"]);
    expect((server.routes.get("ns/r1")!.status as { message: string }).message).toBe("none");
    await queue.stop();
  });
});

describe("write limiter", () => {
  test("holds the rate after the burst, and a pause holds everyone", async () => {
    let now = 0;
    const limiter = new WriteLimiter(100, () => now);
    for (let i = 0; i < 100; i++) await limiter.take();
    // The burst is spent: the next take waits for a token (10 ms at 100/s).
    let taken = false;
    const next = limiter.take().then(() => (taken = true));
    await Bun.sleep(5);
    expect(taken).toBe(false);
    now += 10;
    await next;
    limiter.pause(1_000);
    now += 500;
    taken = false;
    const paused = limiter.take().then(() => (taken = true));
    await Bun.sleep(20);
    expect(taken).toBe(false);
    now += 600;
    await paused;
    expect(taken).toBe(true);
  });
});
