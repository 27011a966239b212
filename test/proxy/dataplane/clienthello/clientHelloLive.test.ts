// ClientHellos from real TLS clients (openssl s_client, Bun's and Node's TLS),
// captured live by a plain TCP server, then parsed whole, split at every byte
// boundary, and re-framed over several records.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import tls from "node:tls";
import { ClientHelloReader, type ClientHelloInfo, type HelloProgress } from "../../../../proxy/dataplane/clienthello/clientHello.ts";
import { recordsEvenly, unframe } from "./clientHelloBuilder.ts";
import { type CaptureServer, captureNode, captureOpenssl, startCaptureServer } from "./clientHelloCapture.ts";

const TLS12 = 0x0303;
const TLS13 = 0x0304;

let server: CaptureServer;
beforeAll(() => {
  server = startCaptureServer();
});
afterAll(() => server.stop());

async function captureBun(servername: string, alpn: readonly string[]): Promise<Uint8Array> {
  const socket = tls.connect({ host: "127.0.0.1", port: server.port, servername, ALPNProtocols: [...alpn], rejectUnauthorized: false });
  socket.on("error", () => {}); // the capture server hangs up mid-handshake
  try {
    return await server.next();
  } finally {
    socket.destroy();
  }
}

function push(chunks: readonly Uint8Array[]): HelloProgress {
  const reader = new ClientHelloReader();
  let progress: HelloProgress = { state: "need-more" };
  for (const chunk of chunks) progress = reader.push(chunk);
  return progress;
}

function parsed(progress: HelloProgress, length: number): ClientHelloInfo {
  if (progress.state !== "done") throw new Error(`expected done, got ${JSON.stringify(progress)}`);
  expect(progress.consumedBytes).toBe(length);
  return progress.hello;
}

/** Parses a capture every way the network may deliver it; all must agree. */
function parseEveryWay(stream: Uint8Array): ClientHelloInfo {
  const hello = parsed(push([stream]), stream.length);
  for (let cut = 0; cut <= stream.length; cut++) {
    expect(parsed(push([stream.subarray(0, cut), stream.subarray(cut)]), stream.length)).toEqual(hello);
  }
  const bytewise = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
  expect(parsed(push(bytewise), stream.length)).toEqual(hello);

  const message = unframe(stream);
  for (const count of [2, 3, 8, message.length]) {
    const framed = recordsEvenly(message, count);
    expect(parsed(push([framed]), framed.length)).toEqual(hello);
  }
  const framed = recordsEvenly(message, 3);
  for (let cut = 0; cut <= framed.length; cut += 1) {
    expect(parsed(push([framed.subarray(0, cut), framed.subarray(cut)]), framed.length)).toEqual(hello);
  }
  return hello;
}

describe("openssl s_client", () => {
  test("TLS 1.3 with SNI and ALPN", async () => {
    const hello = parseEveryWay(await captureOpenssl(server, ["-tls1_3", "-servername", "db.example.com", "-alpn", "h2,http/1.1"]));
    expect(hello).toEqual({ serverName: "db.example.com", alpn: ["h2", "http/1.1"], versions: [TLS13] });
  });

  test("TLS 1.2 only: no supported_versions, legacy_version reported", async () => {
    const hello = parseEveryWay(await captureOpenssl(server, ["-tls1_2", "-servername", "legacy.example.org"]));
    expect(hello).toEqual({ serverName: "legacy.example.org", alpn: [], versions: [TLS12] });
  });

  test("default versions, uppercase SNI with a trailing dot", async () => {
    const hello = parseEveryWay(await captureOpenssl(server, ["-servername", "API.Example.COM."]));
    expect(hello.serverName).toBe("api.example.com");
    expect(hello.versions).toContain(TLS13);
    expect(hello.versions).toContain(TLS12);
  });

  test("-noservername: done without SNI", async () => {
    const hello = parseEveryWay(await captureOpenssl(server, ["-noservername", "-alpn", "postgresql"]));
    expect(hello.serverName).toBeUndefined();
    expect(hello.alpn).toEqual(["postgresql"]);
  });

  test("TLS 1.2 with -noservername", async () => {
    const hello = parseEveryWay(await captureOpenssl(server, ["-tls1_2", "-noservername"]));
    expect(hello).toEqual({ serverName: undefined, alpn: [], versions: [TLS12] });
  });
});

describe("Bun tls.connect", () => {
  test("SNI and ALPN", async () => {
    const hello = parseEveryWay(await captureBun("bun.Example.net", ["h2", "http/1.1"]));
    expect(hello.serverName).toBe("bun.example.net");
    expect(hello.alpn).toEqual(["h2", "http/1.1"]);
    expect(hello.versions).toContain(TLS13);
  });
});

describe("Node tls.connect (node v20 child process)", () => {
  test("SNI and ALPN", async () => {
    const hello = parseEveryWay(await captureNode(server, "Node.Example.NET", ["http/1.1"]));
    expect(hello.serverName).toBe("node.example.net");
    expect(hello.alpn).toEqual(["http/1.1"]);
    expect(hello.versions).toEqual([TLS13, TLS12]);
  });
});
