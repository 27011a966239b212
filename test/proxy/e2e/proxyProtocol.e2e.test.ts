// PROXY protocol v2 to backends, checked by a real receiver: nginx's stream module
// listening with `proxy_protocol` in front of a real TLS backend. The client connects
// from its own loopback address (127.0.0.7), so nginx's log shows whether it learned
// the client's address from Courier's header or only saw Courier (127.0.0.1).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { echoLine } from "../../helpers/echoLine.ts";
import { startNginxStream, type NginxSession, type NginxStream } from "../../helpers/nginxStream.ts";
import { freePort } from "../../helpers/ports.ts";
import { deadEndpoint, startScenario, type Scenario } from "../../helpers/scenario.ts";
import { openTls } from "../../helpers/tlsClient.ts";

const CLIENT_ADDRESS = "127.0.0.7";
const PROXY_PROTOCOL = { "courier.dev/proxy-protocol": "v2" };

let s: Scenario;
let nginx: NginxStream;

beforeAll(async () => {
  // nginx needs the backend's port and the endpoints file nginx's: its port is picked first.
  const nginxPort = await freePort();
  const dead = await deadEndpoint();
  s = await startScenario({
    backends: [
      { name: "behind", dnsNames: ["pp.example.com", "retry.example.com"] },
      { name: "plain", dnsNames: ["plain.example.com"] },
    ],
    routes: [
      { name: "pp", hostnames: ["pp.example.com"], annotations: PROXY_PROTOCOL, backends: [{ name: "via-nginx", port: 443 }] },
      // A dead endpoint first: a connection that fails over must send the header again.
      { name: "retry", hostnames: ["retry.example.com"], annotations: PROXY_PROTOCOL, backends: [{ name: "retry-via-nginx", port: 443 }] },
      { name: "plain", hostnames: ["plain.example.com"], backends: [{ name: "plain", port: 443 }] },
    ],
    extraEndpoints: () => [
      { name: "via-nginx", port: 443, endpoints: [`127.0.0.1:${nginxPort}`] },
      { name: "retry-via-nginx", port: 443, endpoints: [dead, `127.0.0.1:${nginxPort}`] },
    ],
    proxyArgs: ["--log-level", "debug"],
  });
  const behind = s.backends.get("behind")!;
  nginx = await startNginxStream(`${behind.host}:${behind.port}`, nginxPort);
});

afterAll(async () => {
  await nginx?.stop();
  await s?.close();
});

/** Opens a session from CLIENT_ADDRESS, checks the greeting and an echo, closes it, and returns nginx's record of it. */
async function throughNginx(serverName: string): Promise<NginxSession> {
  const session = await openTls(s.port, serverName, s.pki.ca, "127.0.0.1", 5_000, CLIENT_ADDRESS);
  expect(session.peerNames).toContain(`DNS:${serverName}`);
  expect(await session.firstLine).toBe("behind");
  expect(await echoLine(session, `hello ${serverName} through nginx`)).toBe(`hello ${serverName} through nginx`);
  const client = `${CLIENT_ADDRESS}:${session.socket.localPort}`;
  session.socket.end();
  return await nginx.waitForSession((entry) => entry.client === client);
}

describe("PROXY protocol v2 to a real receiver (nginx stream, listen ... proxy_protocol)", () => {
  test("nginx learns the client's address and port and the listener's, and TLS passes through untouched", async () => {
    const logged = await throughNginx("pp.example.com");
    expect(logged.server).toBe(`127.0.0.1:${s.port}`);
    // The TCP peer nginx accepted is Courier, not the client.
    expect(logged.peer).toStartWith("127.0.0.1:");
    expect(logged.status).toBe(200);
    // nginx reads TLVs from 1.23.2 on; older ones skip them, which proves they are well formed.
    if (nginx.readsAuthority) expect(logged.authority).toBe("pp.example.com");
    // Courier's own access log names the same client.
    await s.proxy.waitForLog(new RegExp(`routed .*client=${logged.client.replaceAll(".", "\\.")} .*route=default/pp`));
  });

  test("a connection that fails over to the next endpoint sends the header on the new upstream", async () => {
    // Which endpoint is tried first rotates; within a few connections one starts at the dead one.
    for (let i = 0; i < 4 && !/connect failed .*sni=retry\.example\.com/.test(s.proxy.logs()); i++) {
      const logged = await throughNginx("retry.example.com");
      expect(logged.status).toBe(200);
    }
    expect(s.proxy.logs()).toMatch(/connect failed .*sni=retry\.example\.com/);
  });

  test("a route without the annotation sends no header: a plain TLS backend completes its handshake", async () => {
    const session = await openTls(s.port, "plain.example.com", s.pki.ca, "127.0.0.1", 5_000, CLIENT_ADDRESS);
    expect(session.peerNames).toBe("DNS:plain.example.com");
    expect(await session.firstLine).toBe("plain");
    expect(await echoLine(session, "no header")).toBe("no header");
    session.socket.destroy();
  });
});
