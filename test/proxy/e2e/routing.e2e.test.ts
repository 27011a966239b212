// End to end through the proxy process: real TLS servers behind it, real TLS clients
// (openssl s_client, Node's and Bun's tls) in front. The client verifies the backend's
// own certificate, which proves nothing was decrypted on the way.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { landing, isRefused, openTls } from "../../helpers/tlsClient.ts";
import { sClient } from "../../helpers/opensslClient.ts";
import { deadEndpoint, startScenario, type Scenario } from "../../helpers/scenario.ts";

let s: Scenario;
let dead: string;

beforeAll(async () => {
  dead = await deadEndpoint();
  s = await startScenario({
    backends: [
      { name: "secure", dnsNames: ["secure.example.com"] },
      { name: "wild", dnsNames: ["*.internal.example.com", "a.b.internal.example.com"] },
      { name: "special", dnsNames: ["special.internal.example.com"] },
      { name: "stable", dnsNames: ["canary.example.com"] },
      { name: "canary", dnsNames: ["canary.example.com"] },
      { name: "half", dnsNames: ["half.example.com"] },
      { name: "standby", dnsNames: ["fb.example.com", "nofb.example.com"] },
      { name: "survivor", dnsNames: ["fo.example.com"] },
    ],
    routes: [
      { name: "secure", hostnames: ["secure.example.com"], backends: [{ name: "secure", port: 443 }] },
      { name: "wild", hostnames: ["*.internal.example.com"], backends: [{ name: "wild", port: 443 }] },
      { name: "special", hostnames: ["special.internal.example.com"], backends: [{ name: "special", port: 443 }] },
      { name: "canary", hostnames: ["canary.example.com"], backends: [{ name: "stable", port: 443, weight: 90 }, { name: "canary", port: 443, weight: 10 }] },
      { name: "half", hostnames: ["half.example.com"], backends: [{ name: "half", port: 443, weight: 1 }, { name: "missing", port: 443, weight: 1 }] },
      { name: "fallback", hostnames: ["fb.example.com"], annotations: { "courier.dev/fallback": "true" }, backends: [{ name: "primary", port: 443, weight: 1 }, { name: "standby", port: 443, weight: 0 }] },
      { name: "no-fallback", hostnames: ["nofb.example.com"], backends: [{ name: "primary", port: 443, weight: 1 }, { name: "standby", port: 443, weight: 0 }] },
      { name: "failover", hostnames: ["fo.example.com"], backends: [{ name: "flaky", port: 443 }] },
    ],
    // "flaky" has a dead endpoint first and a live one second; "primary" only a dead one.
    extraEndpoints: (backends) => [
      { name: "primary", port: 443, endpoints: [dead] },
      { name: "flaky", port: 443, endpoints: [dead, `${backends.get("survivor")!.host}:${backends.get("survivor")!.port}`] },
    ],
  });
});

afterAll(async () => {
  await s?.close();
});

async function countLandings(serverName: string, total: number, parallel = 16): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      let where: string;
      try {
        where = await landing(s.port, serverName, s.pki.ca);
      } catch {
        where = "refused";
      }
      counts.set(where, (counts.get(where) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return counts;
}

describe("passthrough", () => {
  test("openssl s_client sees the backend's own certificate and greeting", async () => {
    const result = await sClient(["-connect", `127.0.0.1:${s.port}`, "-servername", "secure.example.com", "-CAfile", s.pki.caFile, "-verify_return_error"], /^secure$/m);
    expect(result.output).toContain("Verify return code: 0 (ok)");
    expect(result.output).toMatch(/subject=CN ?= ?secure\.example\.com/);
    expect(result.output).toMatch(/^secure$/m);
  });

  test("Node and Bun TLS clients verify the backend certificate", async () => {
    const session = await openTls(s.port, "secure.example.com", s.pki.ca);
    expect(session.peerNames).toBe("DNS:secure.example.com");
    expect(await session.firstLine).toBe("secure");
    session.socket.destroy();

    const greeting = await new Promise<string>((resolve, reject) => {
      let text = "";
      Bun.connect({
        hostname: "127.0.0.1",
        port: s.port,
        tls: { serverName: "secure.example.com", ca: s.pki.ca },
        socket: {
          data(socket, chunk) {
            text += chunk.toString();
            if (text.includes("\n")) {
              socket.end();
              resolve(text.trim());
            }
          },
          error: (_socket, error) => reject(error),
          connectError: (_socket, error) => reject(error),
        },
      }).catch(reject);
    });
    expect(greeting).toBe("secure");
  });
});

describe("hostname matching", () => {
  test("exact beats wildcard; wildcards cover one or more labels but not the parent", async () => {
    expect(await landing(s.port, "special.internal.example.com", s.pki.ca)).toBe("special");
    expect(await landing(s.port, "other.internal.example.com", s.pki.ca)).toBe("wild");
    expect(await landing(s.port, "a.b.internal.example.com", s.pki.ca)).toBe("wild");
    expect(await isRefused(s.port, "internal.example.com", s.pki.ca)).toBe(true);
  });

  test("SNI is case-insensitive and ignores a trailing dot", async () => {
    const upper = await sClient(["-connect", `127.0.0.1:${s.port}`, "-servername", "SECURE.Example.COM.", "-CAfile", s.pki.caFile], /^secure$/m);
    expect(upper.output).toMatch(/^secure$/m);
  });

  test("unknown SNI and a missing SNI are refused without a TLS alert", async () => {
    expect(await isRefused(s.port, "unknown.example.org", s.pki.ca)).toBe(true);
    const noSni = await sClient(["-connect", `127.0.0.1:${s.port}`, "-noservername", "-CAfile", s.pki.caFile], /CONNECTED[\s\S]*(errno|error|closed|no peer certificate)/i);
    expect(noSni.output).toMatch(/no peer certificate available/);
    expect(noSni.output).not.toMatch(/alert/i);
  });
});

describe("weights", () => {
  test("90/10 split over 2,000 connections stays within 5 standard deviations", async () => {
    const counts = await countLandings("canary.example.com", 2000);
    const canary = counts.get("canary") ?? 0;
    const stable = counts.get("stable") ?? 0;
    expect(canary + stable).toBe(2000);
    // Binomial(2000, 0.1): mean 200, sd 13.4; 5 sd ≈ 67 (a false failure about once in 1.7 million runs).
    expect(Math.abs(canary - 200)).toBeLessThan(67);
  }, 120_000);

  test("an invalid backendRef keeps its share: about half of the connections are refused", async () => {
    const counts = await countLandings("half.example.com", 1000);
    const refused = counts.get("refused") ?? 0;
    expect(refused + (counts.get("half") ?? 0)).toBe(1000);
    // Binomial(1000, 0.5): sd 15.8; 5 sd ≈ 79.
    expect(Math.abs(refused - 500)).toBeLessThan(79);
  }, 120_000);
});

describe("fallback and failover", () => {
  test("with courier.dev/fallback a weight-0 backend serves while the weighted one refuses", async () => {
    for (let i = 0; i < 5; i++) expect(await landing(s.port, "fb.example.com", s.pki.ca)).toBe("standby");
  });

  test("without the opt-in weight 0 gets nothing: the connection is refused", async () => {
    expect(await isRefused(s.port, "nofb.example.com", s.pki.ca)).toBe(true);
  });

  test("a refused endpoint is skipped for another endpoint of the same backend", async () => {
    const counts = await countLandings("fo.example.com", 40, 4);
    expect(counts.get("survivor")).toBe(40);
  });
});
