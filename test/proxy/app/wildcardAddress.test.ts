// The default bind address: "::" (both families, one socket) where the host has
// IPv6, "0.0.0.0" where it has none; checked on real sockets, and in a network
// namespace with IPv6 disabled when unprivileged user namespaces are available.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { wildcardAddress } from "../../../proxy/app/wildcardAddress.ts";
import { parseServeArgs } from "../../../proxy/app/cli.ts";

const root = join(import.meta.dir, "../../..");
const bun = join(root, "node_modules/.bin/bun");

/** Sends one line to host:port and returns the reply (or the connect error). */
async function roundTrip(host: string, port: number): Promise<string> {
  const { promise, resolve } = Promise.withResolvers<string>();
  await Bun.connect({
    hostname: host,
    port,
    socket: {
      open(socket) {
        socket.write("ping");
      },
      data(socket, chunk) {
        resolve(chunk.toString());
        socket.end();
      },
      connectError(_socket, error) {
        resolve(`error: ${error.message}`);
      },
    },
  }).catch((error: Error) => resolve(`error: ${error.message}`));
  return promise;
}

describe("default listen address", () => {
  test("the probe decides; an explicit --listen-address skips it", () => {
    expect(wildcardAddress(() => true)).toBe("::");
    expect(wildcardAddress(() => false)).toBe("0.0.0.0");
    const probed = parseServeArgs([], {}, () => "::");
    expect("options" in probed && probed.options.listenAddress).toBe("::");
    const given = parseServeArgs(["--listen-address", "127.0.0.1"], {}, () => {
      throw new Error("not probed when given");
    });
    expect("options" in given && given.options.listenAddress).toBe("127.0.0.1");
  });

  test('on this host: "::" takes IPv4 and IPv6 clients on one socket', async () => {
    const address = wildcardAddress();
    if (address === "0.0.0.0") return; // a host without IPv6: nothing dual-stack to check
    const server = Bun.listen({ hostname: address, port: 0, socket: { data: (socket, chunk) => void socket.end(`pong ${chunk}`) } });
    try {
      expect(await roundTrip("127.0.0.1", server.port)).toBe("pong ping");
      expect(await roundTrip("::1", server.port)).toBe("pong ping");
    } finally {
      server.stop(true);
    }
  });

  test('a host with IPv6 disabled gets "0.0.0.0"', () => {
    const script = `import { wildcardAddress } from ${JSON.stringify(join(root, "proxy/app/wildcardAddress.ts"))}; console.log(wildcardAddress());`;
    const setup = "ip link set lo up && echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && echo 1 > /proc/sys/net/ipv6/conf/lo/disable_ipv6";
    const run = spawnSync("unshare", ["-rn", "sh", "-c", `${setup} && exec "$0" -e "$1"`, bun, script], { encoding: "utf8", timeout: 30_000 });
    if (run.error !== undefined || (run.status !== 0 && /unshare|Operation not permitted|ip: not found/.test(run.stderr))) {
      console.warn(`skipped: no unprivileged network namespace here (${(run.error?.message ?? run.stderr).trim()})`);
      return;
    }
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("0.0.0.0");
  });
});
