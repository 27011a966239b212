// The TLS health check's ClientHello, read back by Courier's own ClientHello reader,
// and the judgement of what an endpoint answers.
import { describe, expect, test } from "bun:test";
import { ClientHelloReader } from "../../../proxy/dataplane/clienthello/clientHello.ts";
import { buildProbeHello, judgeProbeReply, PROBE_RANDOM_BYTES } from "../../../proxy/dataplane/probeHello.ts";

const random = new Uint8Array(PROBE_RANDOM_BYTES).map((_, i) => (i * 7 + 3) & 0xff);

describe("buildProbeHello", () => {
  test("Courier's reader finds the SNI, TLS 1.3 and 1.2, and no ALPN", () => {
    const hello = buildProbeHello("db.example.com", random);
    const progress = new ClientHelloReader().push(hello);
    expect(progress).toEqual({ state: "done", hello: { serverName: "db.example.com", alpn: [], versions: [0x0304, 0x0303] }, consumedBytes: hello.length });
  });

  test("one record, its length fields consistent", () => {
    const hello = buildProbeHello("a.example.com", random);
    expect([...hello.subarray(0, 3)]).toEqual([22, 3, 1]);
    expect(hello[3]! * 256 + hello[4]!).toBe(hello.length - 5);
    expect(hello[5]).toBe(1);
    expect((hello[6]! << 16) | (hello[7]! << 8) | hello[8]!).toBe(hello.length - 9);
  });

  test("without a name there is no server_name", () => {
    const progress = new ClientHelloReader().push(buildProbeHello(undefined, random));
    expect(progress.state === "done" && progress.hello.serverName).toBeUndefined();
  });

  test("the random bytes become client random, session id and key share", () => {
    const hello = buildProbeHello("a.example.com", random);
    const text = Buffer.from(hello).toString("hex");
    expect(text).toContain(Buffer.from(random.subarray(0, 32)).toString("hex"));
    expect(text).toContain(`20${Buffer.from(random.subarray(32, 64)).toString("hex")}`);
    // key_share: group x25519 (0x001d), 32 key bytes.
    expect(text).toContain(`001d0020${Buffer.from(random.subarray(64, 96)).toString("hex")}`);
    expect(() => buildProbeHello("a.example.com", new Uint8Array(8))).toThrow(RangeError);
  });
});

describe("judgeProbeReply", () => {
  const cases: readonly (readonly [string, readonly number[], ReturnType<typeof judgeProbeReply>])[] = [
    ["nothing yet", [], "need-more"],
    ["a partial record header", [22, 3, 3], "need-more"],
    ["a ServerHello record", [22, 3, 3, 0, 90, 2, 0, 0], "server-hello"],
    ["another handshake message first", [22, 3, 3, 0, 90, 11], "not-server-hello"],
    ["an alert", [21, 3, 3, 0, 2, 2, 40], "alert"],
    ["HTTP", Array.from("HTTP/1.1 400", (c) => c.charCodeAt(0)), "not-server-hello"],
    ["a handshake type byte with a bad version", [22, 9], "not-server-hello"],
    ["a record too short for a handshake header", [22, 3, 3, 0, 1, 2], "not-server-hello"],
  ];
  for (const [name, bytes, expected] of cases) test(name, () => expect(judgeProbeReply(new Uint8Array(bytes))).toBe(expected));
});
