// IPv6 end to end, file mode: the proxy listens on ::1, the backend serves on ::1
// (an IPv6 endpoint in the endpoints file), and real TLS clients connect over IPv6.
// The logs show both as [::1]:port.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sClient } from "../../helpers/opensslClient.ts";
import { freePort } from "../../helpers/ports.ts";
import { startProxy } from "../../helpers/proxyProcess.ts";
import { startScenario, type Scenario } from "../../helpers/scenario.ts";
import { openTls } from "../../helpers/tlsClient.ts";

let s: Scenario;

beforeAll(async () => {
  s = await startScenario({
    host: "::1",
    backends: [{ name: "six", dnsNames: ["six.example.com"] }],
    routes: [{ name: "six", hostnames: ["six.example.com"], backends: [{ name: "six", port: 443 }] }],
  });
});

afterAll(async () => {
  await s?.close();
});

describe("IPv6 (::1)", () => {
  test("a TLS client over IPv6 reaches the IPv6 backend, verifies its certificate, and bytes round-trip", async () => {
    const session = await openTls(s.port, "six.example.com", s.pki.ca, "::1");
    try {
      expect(session.peerNames).toBe("DNS:six.example.com");
      expect(await session.firstLine).toBe("six");
      const echoed = new Promise<string>((resolve) => session.socket.once("data", (chunk: Buffer) => resolve(chunk.toString())));
      session.socket.write("over six\n");
      expect(await echoed).toBe("over six\n");
    } finally {
      session.socket.destroy();
    }
  });

  test("openssl s_client -6 sees the backend's own certificate", async () => {
    const result = await sClient(["-6", "-connect", `[::1]:${s.port}`, "-servername", "six.example.com", "-CAfile", s.pki.caFile, "-verify_return_error"], /^six$/m);
    expect(result.output).toContain("Verify return code: 0 (ok)");
  });

  test("listener, client and endpoint are logged as [addr]:port", async () => {
    const backend = s.backends.get("six")!;
    const routed = await s.proxy.waitForLog(/routed .*sni=six\.example\.com/);
    // Values with brackets are quoted by the text log format.
    expect(routed).toContain(`endpoint="[::1]:${backend.port}"`);
    expect(routed).toContain(`listener="[::1]:${s.port}"`);
    expect(routed).toMatch(/client="\[::1\]:\d+"/);
    expect(s.proxy.logs()).toContain(`listening [::1]:${s.port}`);
  });
});

describe("default bind: both families on one socket", () => {
  test("without --listen-address the proxy listens on [::] and serves IPv4 and IPv6 clients; IPv4 clients log as IPv4", async () => {
    const port = await freePort("::");
    const proxy = await startProxy(["--manifests", s.files.manifests, "--endpoints", s.files.endpoints, "--port-offset", String(port - 443)]);
    try {
      expect(await proxy.waitForLog(/ ready /)).toContain(`ports="[::]:${port}"`);
      for (const host of ["127.0.0.1", "::1"]) {
        const session = await openTls(port, "six.example.com", s.pki.ca, host);
        expect(await session.firstLine).toBe("six");
        session.socket.destroy();
      }
      await proxy.waitForLog(/routed client=127\.0\.0\.1:\d+ /);
      await proxy.waitForLog(/routed client="\[::1\]:\d+"/);
    } finally {
      await proxy.stop();
    }
  });
});
