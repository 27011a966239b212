// The incremental reader: reassembly across TCP chunks and TLS records, limits,
// and every reason a stream can be refused for.

import { describe, expect, test } from "bun:test";
import { DEFAULT_MAX_HELLO_BYTES, MAX_HELLO_BYTES_LIMIT, MIN_HELLO_BYTES } from "../../../../contract/index.ts";
import { ClientHelloReader, type HelloProgress } from "../../../../proxy/dataplane/clienthello/clientHello.ts";
import { clientHello, handshake, helloBody, type HelloParts, records, recordsEvenly, u16, u24 } from "./clientHelloBuilder.ts";

/** Feeds `stream` cut at the given offsets; returns the last progress. */
function feed(stream: Uint8Array, cuts: readonly number[] = [], maxBytes?: number): HelloProgress {
  const reader = new ClientHelloReader(maxBytes);
  let progress: HelloProgress = { state: "need-more" };
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    progress = reader.push(stream.subarray(from, cut));
    from = cut;
  }
  return progress;
}

function feedBytewise(stream: Uint8Array, maxBytes?: number): HelloProgress {
  const reader = new ClientHelloReader(maxBytes);
  let progress: HelloProgress = { state: "need-more" };
  for (let i = 0; i < stream.length && progress.state === "need-more"; i++) progress = reader.push(stream.subarray(i, i + 1));
  return progress;
}

function outcome(progress: HelloProgress): string {
  if (progress.state === "done") return `done ${progress.hello.serverName} ${progress.consumedBytes}`;
  return progress.state === "rejected" ? progress.reason : "need-more";
}

const PARTS: HelloParts = { serverName: "Shop.Example.COM.", alpn: ["h2", "http/1.1"], versions: [0x0304, 0x0303] };

describe("reassembly", () => {
  const stream = clientHello(PARTS);
  const expected = `done shop.example.com ${stream.length}`;

  test("one chunk", () => {
    const progress = feed(stream);
    expect(progress).toEqual({
      state: "done",
      consumedBytes: stream.length,
      hello: { serverName: "shop.example.com", alpn: ["h2", "http/1.1"], versions: [0x0304, 0x0303] },
    });
  });

  test("split at every byte boundary", () => {
    for (let cut = 0; cut <= stream.length; cut++) expect(outcome(feed(stream, [cut]))).toBe(expected);
  });

  test("one byte at a time, need-more until the last byte", () => {
    const reader = new ClientHelloReader();
    for (let i = 0; i < stream.length - 1; i++) expect(reader.push(stream.subarray(i, i + 1)).state).toBe("need-more");
    expect(outcome(reader.push(stream.subarray(stream.length - 1)))).toBe(expected);
  });

  test("the handshake fragmented over 2..N records, down to one byte per record", () => {
    const message = handshake(helloBody(PARTS));
    for (let count = 2; count <= message.length; count++) {
      const framed = recordsEvenly(message, count);
      expect(outcome(feed(framed))).toBe(`done shop.example.com ${framed.length}`);
    }
  });

  test("the handshake header itself split across records", () => {
    const message = handshake(helloBody(PARTS));
    for (const fragments of [[1], [2], [3], [1, 1, 1], [1, 2], [4], [5]]) {
      const framed = records(message, fragments);
      expect(outcome(feed(framed))).toBe(`done shop.example.com ${framed.length}`);
    }
  });

  test("records and chunks split independently, at every boundary", () => {
    const message = handshake(helloBody(PARTS));
    for (const count of [2, 3, 7, 40]) {
      const framed = recordsEvenly(message, count);
      const done = `done shop.example.com ${framed.length}`;
      for (let cut = 0; cut <= framed.length; cut++) expect(outcome(feed(framed, [cut]))).toBe(done);
      for (let cut = 0; cut + 7 <= framed.length; cut += 3) expect(outcome(feed(framed, [cut, cut + 7]))).toBe(done);
      expect(outcome(feedBytewise(framed))).toBe(done);
    }
  });

  test("bytes after the hello are left alone and not counted", () => {
    const trailing = Uint8Array.from([...stream, 20, 3, 3, 0, 1, 1, 23, 3, 3]);
    const progress = feed(trailing);
    expect(outcome(progress)).toBe(expected);
  });

  test("after a result, push returns that same result", () => {
    const reader = new ClientHelloReader();
    const done = reader.push(stream);
    expect(reader.push(Uint8Array.of(0xff, 0, 1))).toBe(done);
    const rejecting = new ClientHelloReader();
    const rejected = rejecting.push(Uint8Array.of(0x47, 0x45, 0x54));
    expect(rejecting.push(stream)).toBe(rejected);
  });

  test("an empty chunk changes nothing", () => {
    const reader = new ClientHelloReader();
    expect(reader.push(new Uint8Array(0)).state).toBe("need-more");
    expect(outcome(reader.push(stream))).toBe(expected);
  });

  test("a hello without SNI is done with serverName undefined", () => {
    const progress = feed(clientHello({ alpn: ["h2"] }));
    expect(progress.state).toBe("done");
    if (progress.state === "done") expect(progress.hello.serverName).toBeUndefined();
  });

  test("accepts a Buffer (what Bun sockets deliver)", () => {
    expect(outcome(new ClientHelloReader().push(Buffer.from(stream)))).toBe(expected);
  });
});

describe("size limits", () => {
  test("exports the default and the ceiling", () => {
    expect(DEFAULT_MAX_HELLO_BYTES).toBe(16_384);
    expect(MAX_HELLO_BYTES_LIMIT).toBe(65_536);
    expect(MIN_HELLO_BYTES).toBe(512);
  });

  test("a hello of 8 KiB and more parses, split over records and chunks", () => {
    for (const padding of [8_192, 12_000]) {
      const message = handshake(helloBody({ ...PARTS, padding, extraExtensions: manyExtensions(60) }));
      expect(message.length).toBeGreaterThan(8_192);
      for (const framed of [records(message), recordsEvenly(message, 3), recordsEvenly(message, 50)]) {
        expect(outcome(feed(framed, [1, 100, 4_000]))).toBe(`done shop.example.com ${framed.length}`);
      }
    }
  });

  test("exactly the limit passes; one byte more is too-large", () => {
    const exact = sizedHello(DEFAULT_MAX_HELLO_BYTES, 2);
    expect(exact.length).toBe(DEFAULT_MAX_HELLO_BYTES);
    expect(feed(exact).state).toBe("done");
    const over = sizedHello(DEFAULT_MAX_HELLO_BYTES + 1, 2);
    expect(outcome(feed(over))).toBe("too-large");
  });

  test("a configurable limit up to 64 KiB", () => {
    const big = sizedHello(MAX_HELLO_BYTES_LIMIT, 5);
    expect(big.length).toBe(MAX_HELLO_BYTES_LIMIT);
    expect(outcome(feed(big))).toBe("too-large");
    expect(outcome(feed(big, [], MAX_HELLO_BYTES_LIMIT))).toBe(`done shop.example.com ${big.length}`);
    expect(outcome(feedBytewise(big, MAX_HELLO_BYTES_LIMIT))).toBe(`done shop.example.com ${big.length}`);
    expect(outcome(feed(sizedHello(40_000, 3), [], 32_768))).toBe("too-large");
    expect(outcome(feed(sizedHello(32_768, 3), [], 32_768))).toBe(`done shop.example.com 32768`);
  });

  test("a claimed length over the limit is refused before its bytes arrive", () => {
    const reader = new ClientHelloReader();
    expect(reader.push(Uint8Array.of(22, 3, 1, ...u16(16_384), 1, ...u24(16_384))).state).toBe("rejected");
    const records16k = new ClientHelloReader(1_024);
    const progress = records16k.push(Uint8Array.of(22, 3, 1, ...u16(2_000)));
    expect(outcome(progress)).toBe("too-large");
    expect(records16k.heldBytes).toBeLessThanOrEqual(1_024);
  });

  test("records that each fit but together exceed the limit are too-large", () => {
    const message = handshake(helloBody({ ...PARTS, padding: 20_000 }));
    const reader = new ClientHelloReader();
    // Lie about nothing but send the records: the handshake length already exceeds 16 KiB.
    expect(outcome(reader.push(recordsEvenly(message, 4)))).toBe("too-large");
    // A handshake that claims to fit, spread over more records than the limit allows.
    const small = handshake(helloBody(PARTS));
    const manyRecords = recordsEvenly(small, small.length); // 1-byte records, 6 bytes each
    expect(small.length).toBeLessThan(MIN_HELLO_BYTES);
    expect(outcome(feed(manyRecords, [], MIN_HELLO_BYTES))).toBe("too-large");
  });

  test("refuses limits outside 512..65536", () => {
    for (const bad of [0, 1, 63, 511, 65_537, 1.5, Number.NaN]) expect(() => new ClientHelloReader(bad)).toThrow(RangeError);
    expect(() => new ClientHelloReader(512)).not.toThrow();
    expect(() => new ClientHelloReader(65_536)).not.toThrow();
  });

  test("a 60 KB hello pushed one byte at a time never holds more than the limit", () => {
    // Linear work is a property of the design (header progress is kept between
    // pushes, the body is copied once); the test checks the memory side of it.
    const large = sizedHello(60_000, 4);
    const reader = new ClientHelloReader(MAX_HELLO_BYTES_LIMIT);
    let held = 0;
    for (let i = 0; i < large.length; i++) {
      reader.push(large.subarray(i, i + 1));
      held = Math.max(held, reader.heldBytes);
    }
    expect(reader.push(new Uint8Array(0)).state).toBe("done");
    expect(held).toBeLessThanOrEqual(MAX_HELLO_BYTES_LIMIT);
  });
});

describe("refusal reasons", () => {
  const good = handshake(helloBody(PARTS));
  const cases: readonly (readonly [string, Uint8Array, string])[] = [
    ["an HTTP request", new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"), "not-tls"],
    ["a PostgreSQL SSLRequest", Uint8Array.of(0, 0, 0, 8, 4, 210, 22, 47), "not-tls"],
    ["record version 2.0", Uint8Array.of(22, 2, 0, 0, 5, 1, 0, 0, 1, 0), "not-tls"],
    ["record version 3.9", Uint8Array.of(22, 3, 9, 0, 5, 1, 0, 0, 1, 0), "not-tls"],
    ["an SSLv2 hello", Uint8Array.of(0x80, 0x2e, 0x01, 0x03, 0x01), "sslv2"],
    ["an alert record", Uint8Array.of(21, 3, 3, 0, 2, 2, 40), "not-handshake"],
    ["application data", Uint8Array.of(23, 3, 3, 0, 1, 0), "not-handshake"],
    ["an alert between hello records", concat(records(good.subarray(0, 50)), Uint8Array.of(21, 3, 3, 0, 2, 2, 40)), "not-handshake"],
    ["a ServerHello", records(handshake(helloBody(PARTS), 2)), "not-client-hello"],
    ["a HelloRequest", records(handshake(new Uint8Array(0), 0)), "not-client-hello"],
    ["an empty record", Uint8Array.of(22, 3, 1, 0, 0), "bad-length"],
    ["a record over 2^14", Uint8Array.of(22, 3, 1, ...u16(16_385)), "bad-length"],
    ["a record longer than the hello", records(Uint8Array.from([...good, 0, 0])), "bad-length"],
    ["a handshake length shorter than the body", records(Uint8Array.from([1, ...u24(40), ...good.subarray(4)])), "bad-length"],
    ["a zero handshake length", records(Uint8Array.of(1, 0, 0, 0)), "bad-length"],
    ["a lying extensions length", records(handshake(helloBody(PARTS).subarray(0, -3))), "bad-length"],
    ["a continuation record of version 2.0", concat(records(good.subarray(0, 50)), records(good.subarray(50), [], 0x0200)), "malformed"],
    ["two server_name extensions", clientHello({ serverName: "a.b", extraExtensions: [{ type: 0, data: [0, 6, 0, 0, 3, 0x63, 0x2e, 0x64] }] }), "malformed"],
    ["a handshake length over the limit", Uint8Array.of(22, 3, 1, 0, 4, 1, ...u24(70_000)), "too-large"],
    ["an SNI outside printable ASCII", clientHello({ serverName: [0x65, 0x78, 0x7f, 0x2e, 0x63, 0x6f] }), "bad-sni"],
    ["an SNI with an empty label", clientHello({ serverName: "a..example.com" }), "bad-sni"],
  ];
  for (const [name, stream, reason] of cases) {
    test(name, () => {
      expect(outcome(feed(stream))).toBe(reason);
      expect(outcome(feedBytewise(stream))).toBe(reason);
    });
  }

  test("non-TLS first bytes are refused after one byte", () => {
    for (const [byte, reason] of [[0x47, "not-tls"], [0x80, "sslv2"], [0x15, "not-handshake"], [0x00, "not-tls"]] as const) {
      expect(outcome(new ClientHelloReader().push(Uint8Array.of(byte)))).toBe(reason);
    }
  });

  test("a truncated hello stays need-more (the caller's deadline ends it)", () => {
    const stream = clientHello(PARTS);
    for (const end of [1, 5, 9, stream.length - 1]) expect(feed(stream.subarray(0, end)).state).toBe("need-more");
  });

  test("rejections carry a detail for logs", () => {
    const progress = feed(Uint8Array.of(22, 3, 1, 0, 0));
    expect(progress.state === "rejected" && progress.detail.length > 0).toBe(true);
  });
});

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Distinct small unknown extensions, as real browsers send a dozen or more. */
function manyExtensions(count: number): { type: number; data: number[] }[] {
  return Array.from({ length: count }, (_, i) => ({ type: 0x1000 + i, data: [i & 0xff, 1, 2, 3] }));
}

/** A stream of exactly `total` bytes over `recordCount` records (padding sized to fit). */
function sizedHello(total: number, recordCount: number): Uint8Array {
  const base = handshake(helloBody({ ...PARTS, padding: 0 }));
  const overhead = base.length + 5 * recordCount;
  const message = handshake(helloBody({ ...PARTS, padding: total - overhead }));
  const framed = recordsEvenly(message, recordCount);
  if (framed.length !== total) throw new Error(`sizedHello built ${framed.length}, wanted ${total}`);
  return framed;
}
