// TLS backends at non-loopback addresses, for EndpointSlices: the API server refuses
// endpoint addresses in 127.0.0.0/8 and ::1, so each test run makes its own network
// namespace joined to the host by a veth pair with addresses from 198.18.0.0/15 (the
// range reserved for testing), and runs the backends inside it. The proxy stays in the
// host namespace and reaches them over the veth. Names carry the pid, so two runs do
// not meet; everything is removed by close(); backends exit by themselves when the
// test process is gone, and a later run deletes namespaces left by dead runs.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import type { IssuedCert } from "../../demo/pki.ts";
import { processAlive } from "./processAlive.ts";

export interface NetnsBackend {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly pid: number;
  /** SIGTERM, then SIGKILL; resolves once the process is gone. */
  stop(): Promise<void>;
}

export interface BackendNet {
  /** Network namespace name, e.g. courier-test-1234-1. */
  readonly namespace: string;
  /** The host side of the veth (what the backends see the proxy come from). */
  readonly hostAddress: string;
  /** Addresses inside the namespace, one per backend you plan to run. */
  readonly addresses: readonly string[];
  /** With `ipv6`: as many IPv6 addresses inside the namespace, from 2001:2::/48 (reserved for benchmarking, RFC 5180). */
  readonly addresses6: readonly string[];
  startBackend(name: string, cert: IssuedCert, address: string, port?: number): Promise<NetnsBackend>;
  close(): Promise<void>;
}

const root = resolve(import.meta.dir, "../..");
const bun = resolve(root, "node_modules/.bin/bun");
const main = resolve(import.meta.dir, "tlsBackendMain.ts");

function ip(args: readonly string[]): void {
  const run = spawnSync("ip", args, { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`ip ${args.join(" ")} failed: ${run.stderr.trim()}`);
}

/** Namespaces of earlier runs whose process died before cleaning up (ours by name only). */
function removeStaleNamespaces(): void {
  const list = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
  for (const line of list.split("\n")) {
    const match = /^(courier-test-(\d+)(?:-\d+)?)\b/.exec(line);
    if (match !== null && !processAlive(Number(match[2]))) spawnSync("ip", ["netns", "del", match[1]!]);
  }
}

/** A /24 of 198.18.0.0/15 that no host interface uses yet, starting from the pid to spread runs. */
function freeSubnet(): string {
  const used = spawnSync("ip", ["-4", "-o", "addr"], { encoding: "utf8" }).stdout ?? "";
  for (let i = 0; i < 512; i++) {
    const n = (process.pid + i) % 512;
    const prefix = `198.${18 + Math.floor(n / 256)}.${n % 256}`;
    if (!used.includes(` ${prefix}.`)) return prefix;
  }
  throw new Error("no free /24 left in 198.18.0.0/15");
}

let created = 0;

export async function createBackendNet(addressCount = 4, options: { readonly ipv6?: boolean } = {}): Promise<BackendNet> {
  removeStaleNamespaces();
  // Test files of one `bun test` process share the pid: number each net too.
  created++;
  const namespace = `courier-test-${process.pid}-${created}`;
  // Interface names are limited to 15 bytes.
  const hostIf = `ct${process.pid}h${created}`;
  const nsIf = `ct${process.pid}n${created}`;
  const prefix = freeSubnet();
  const hostAddress = `${prefix}.1`;
  const addresses = Array.from({ length: addressCount }, (_, i) => `${prefix}.${i + 2}`);
  // The IPv6 /64 follows the IPv4 /24 (198.18.5 -> 2001:2:0:5::), so it is as free.
  const [, second, third] = prefix.split(".").map(Number);
  const prefix6 = `2001:2:0:${(((second! - 18) << 8) | third!).toString(16)}`;
  const addresses6 = options.ipv6 === true ? Array.from({ length: addressCount }, (_, i) => `${prefix6}::${(i + 2).toString(16)}`) : [];
  const children = new Set<ChildProcess>();

  const cleanup = (): void => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    spawnSync("ip", ["netns", "del", namespace]);
    // Deleting the namespace deletes its end of the pair, which takes the host end along;
    // this catches a pair whose far end never made it into the namespace.
    spawnSync("ip", ["link", "del", hostIf]);
  };
  process.once("exit", cleanup);

  try {
    ip(["netns", "add", namespace]);
    ip(["link", "add", hostIf, "type", "veth", "peer", "name", nsIf]);
    ip(["link", "set", nsIf, "netns", namespace]);
    ip(["addr", "add", `${hostAddress}/24`, "dev", hostIf]);
    ip(["link", "set", hostIf, "up"]);
    for (const address of addresses) ip(["-n", namespace, "addr", "add", `${address}/24`, "dev", nsIf]);
    if (addresses6.length > 0) {
      // nodad: usable at once, not after duplicate address detection's second or two.
      ip(["addr", "add", `${prefix6}::1/64`, "dev", hostIf, "nodad"]);
      for (const address of addresses6) ip(["-n", namespace, "addr", "add", `${address}/64`, "dev", nsIf, "nodad"]);
    }
    ip(["-n", namespace, "link", "set", nsIf, "up"]);
    ip(["-n", namespace, "link", "set", "lo", "up"]);
  } catch (error) {
    cleanup();
    throw error;
  }

  const startBackend = async (name: string, cert: IssuedCert, address: string, port = 8443): Promise<NetnsBackend> => {
    const child = spawn("ip", ["netns", "exec", namespace, bun, main, name, cert.certFile, cert.keyFile, address, String(port), String(process.pid)], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    let output = "";
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`backend ${name} at ${address}:${port} did not start: ${output}`)), 15_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString("utf8");
        if (output.includes("listening ")) {
          clearTimeout(timer);
          ready();
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => {
        clearTimeout(timer);
        fail(new Error(`backend ${name} exited (${code}) before listening: ${output}`));
      });
    });
    return {
      name,
      address,
      port,
      pid: child.pid!,
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
        await exited;
        clearTimeout(timer);
        children.delete(child);
      },
    };
  };

  return {
    namespace,
    hostAddress,
    addresses,
    addresses6,
    startBackend,
    async close() {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          const gone = new Promise<void>((done) => child.once("exit", () => done()));
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
          await gone;
          clearTimeout(timer);
        }
      }
      children.clear();
      cleanup();
      process.off("exit", cleanup);
    },
  };
}
