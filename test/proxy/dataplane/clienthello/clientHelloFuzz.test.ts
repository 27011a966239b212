// Bounded fuzzing of the reader with a fixed seed: mutated real and synthetic
// hellos (bit flips, truncation, corrupted length fields, re-framing) and random
// bytes, fed in random chunkings. The reader must never throw, never hold more than
// its limit, answer the same whatever the chunking, and keep its result once final.

import { beforeAll, expect, test } from "bun:test";
import { MAX_HELLO_BYTES_LIMIT, MIN_HELLO_BYTES } from "../../../../contract/index.ts";
import { ClientHelloReader, type HelloProgress } from "../../../../proxy/dataplane/clienthello/clientHello.ts";
import { handshake, helloBody, unframe } from "./clientHelloBuilder.ts";
import { captureOpenssl, startCaptureServer } from "./clientHelloCapture.ts";

const ITERATIONS = 100_000;
const SEED = 0x5eed_c0de;

/** xorshift32: tiny, deterministic, good enough to pick mutations. */
class Prng {
  constructor(private state: number) {}
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  /** Integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }
}

/**
 * Offsets of the length fields in a handshake message built from these parts, so
 * corruption hits the fields a parser must distrust, not only random bytes.
 */
function lengthFieldOffsets(message: Uint8Array): number[] {
  const offsets = [1, 2, 3];
  let at = 4 + 34;
  const read = (width: number) => {
    let value = 0;
    for (let i = 0; i < width; i++) value = value * 256 + (message[at + i] ?? 0);
    return value;
  };
  offsets.push(at); // session_id
  at += 1 + read(1);
  offsets.push(at, at + 1); // cipher_suites
  at += 2 + read(2);
  offsets.push(at); // compression_methods
  at += 1 + read(1);
  if (at >= message.length) return offsets;
  offsets.push(at, at + 1); // extensions block
  at += 2;
  while (at + 4 <= message.length) {
    const type = read(2);
    offsets.push(at + 2, at + 3);
    if (type === 0 || type === 16) offsets.push(at + 4, at + 5, at + 7, at + 8); // list and first entry lengths
    if (type === 43) offsets.push(at + 4);
    at += 2;
    at += 2 + read(2);
  }
  return offsets.filter((o) => o < message.length);
}

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x1f, 0x20, 0x21, 0x3f, 0x40, 0x7f, 0x80, 0xfe, 0xff];

function mutateMessage(rng: Prng, input: Uint8Array, offsets: readonly number[]): Uint8Array {
  const bytes = Uint8Array.from(input);
  const rounds = 1 + rng.below(3);
  for (let r = 0; r < rounds; r++) {
    switch (rng.below(5)) {
      case 0: // corrupt a length field byte
      case 1: {
        const at = rng.pick(offsets);
        bytes[at] = rng.chance(0.5) ? rng.pick(INTERESTING) : ((bytes[at] ?? 0) + rng.pick([1, -1, 2, -2, 16])) & 0xff;
        break;
      }
      case 2: {
        // bit flips anywhere
        const at = rng.below(bytes.length);
        bytes[at] = (bytes[at] ?? 0) ^ (1 << rng.below(8));
        break;
      }
      case 3:
        // random byte anywhere
        bytes[rng.below(bytes.length)] = rng.below(256);
        break;
      default:
        // truncate the message (its length fields now lie)
        return bytes.subarray(0, rng.below(bytes.length + 1));
    }
  }
  return bytes;
}

/** Frames a handshake message into 1..6 records of random sizes (sometimes 1-byte records). */
function frame(rng: Prng, message: Uint8Array): Uint8Array {
  const sizes: number[] = [];
  const count = rng.below(6);
  let left = message.length;
  for (let i = 0; i < count && left > 1; i++) {
    const size = 1 + rng.below(Math.min(left - 1, rng.chance(0.2) ? 4 : 16_384));
    sizes.push(size);
    left -= size;
  }
  sizes.push(left);
  const minor = rng.pick([0, 1, 3]);
  // Typed-array framing (not the builder's): this runs 100,000 times.
  const out = new Uint8Array(message.length + 5 * sizes.length);
  let from = 0;
  let to = 0;
  for (const size of sizes) {
    out.set([22, 3, minor, size >> 8, size & 0xff], to);
    out.set(message.subarray(from, from + size), to + 5);
    from += size;
    to += 5 + size;
  }
  return out;
}

function mutateStream(rng: Prng, input: Uint8Array): Uint8Array {
  const bytes = Uint8Array.from(input);
  switch (rng.below(4)) {
    case 0: // record header fields: type, version, length
      bytes[rng.below(Math.min(5, bytes.length))] = rng.pick(INTERESTING);
      return bytes;
    case 1: {
      const flips = 1 + rng.below(4);
      for (let i = 0; i < flips; i++) {
        const at = rng.below(bytes.length);
        bytes[at] = (bytes[at] ?? 0) ^ (1 << rng.below(8));
      }
      return bytes;
    }
    case 2:
      return bytes.subarray(0, rng.below(bytes.length + 1));
    default: {
      // garbage appended after the hello must not change the answer about the hello
      const tail = Uint8Array.from({ length: 1 + rng.below(32) }, () => rng.below(256));
      const out = new Uint8Array(bytes.length + tail.length);
      out.set(bytes);
      out.set(tail, bytes.length);
      return out;
    }
  }
}

function randomStream(rng: Prng): Uint8Array {
  const bytes = new Uint8Array(rng.below(600));
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.below(256);
  // Half the time look like a handshake record so the deeper states are reached.
  if (rng.chance(0.5) && bytes.length >= 6) bytes.set([22, 3, 1, rng.below(3), rng.below(256), 1]);
  return bytes;
}

function chunkSizes(rng: Prng, length: number): number[] {
  const style = rng.below(4);
  const sizes: number[] = [];
  for (let left = length; left > 0; ) {
    const size =
      style === 0 && length <= 1024
        ? 1
        : style === 1
          ? 1 + rng.below(8)
          : style === 2
            ? 1 + rng.below(64)
            : 1 + rng.below(Math.max(1, length));
    sizes.push(Math.min(size, left));
    left -= size;
  }
  return sizes;
}

function summary(progress: HelloProgress): string {
  return JSON.stringify(progress);
}

let corpus: { message: Uint8Array; offsets: number[] }[] = [];

beforeAll(async () => {
  const messages = [
    handshake(helloBody({ serverName: "db.example.com", alpn: ["h2", "http/1.1"], versions: [0x0304, 0x0303] })),
    handshake(helloBody({ serverName: "A.B.", versions: [0x0a0a, 0x0304] })),
    handshake(helloBody({ alpn: ["postgresql"] })),
    handshake(helloBody({ noExtensions: true, sessionIdLength: 0 })),
    handshake(helloBody({ serverName: "pad.example", padding: 3_000 })),
    handshake(helloBody({ serverName: "x", extraExtensions: [{ type: 0xff01, data: [0] }, { type: 10, data: [0, 2, 0, 29] }] })),
  ];
  // A real hello too, so the fuzz sees what clients actually send.
  const server = startCaptureServer();
  try {
    const real = await captureOpenssl(server, ["-servername", "real.example.com", "-alpn", "h2"]);
    messages.push(unframe(real));
  } finally {
    server.stop();
  }
  corpus = messages.map((message) => ({ message, offsets: lengthFieldOffsets(message) }));
});

test(`fuzz: ${ITERATIONS} mutated and random inputs in random chunkings`, () => {
  const rng = new Prng(SEED);
  const seen = new Map<string, number>();
  const started = performance.now();

  for (let i = 0; i < ITERATIONS; i++) {
    let stream: Uint8Array;
    if (rng.chance(0.1)) {
      stream = randomStream(rng);
    } else {
      const base = rng.pick(corpus);
      const message = rng.chance(0.7) ? mutateMessage(rng, base.message, base.offsets) : base.message;
      stream = frame(rng, message);
      if (rng.chance(0.3)) stream = mutateStream(rng, stream);
    }
    const maxBytes = rng.chance(0.7) ? 16_384 : MIN_HELLO_BYTES + rng.below(MAX_HELLO_BYTES_LIMIT - MIN_HELLO_BYTES + 1);

    let chunked: HelloProgress = { state: "need-more" };
    let whole: HelloProgress = { state: "need-more" };
    try {
      const reader = new ClientHelloReader(maxBytes);
      let at = 0;
      for (const size of chunkSizes(rng, stream.length)) {
        chunked = reader.push(stream.subarray(at, at + size));
        at += size;
        if (reader.heldBytes > maxBytes) throw new Error(`held ${reader.heldBytes} > ${maxBytes}`);
      }
      if (chunked.state !== "need-more" && reader.push(Uint8Array.of(22, 3, 1)) !== chunked) {
        throw new Error("a final result changed");
      }
      whole = new ClientHelloReader(maxBytes).push(stream);
    } catch (error) {
      throw new Error(`iteration ${i} (seed ${SEED}): ${String(error)}; input ${Buffer.from(stream).toString("hex")}`);
    }
    if (summary(chunked) !== summary(whole)) {
      throw new Error(`iteration ${i}: chunked ${summary(chunked)} != whole ${summary(whole)}`);
    }
    if (chunked.state === "done") {
      if (chunked.consumedBytes > stream.length) throw new Error(`iteration ${i}: consumed past the input`);
      const name = chunked.hello.serverName;
      if (name !== undefined && !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name)) throw new Error(`iteration ${i}: SNI ${name}`);
    }
    const key = chunked.state === "rejected" ? chunked.reason : chunked.state;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }

  const elapsed = performance.now() - started;
  console.log(`fuzz: ${ITERATIONS} inputs in ${elapsed.toFixed(0)} ms:`, Object.fromEntries([...seen].sort()));
  // The corpus and mutations must reach every state the reader can produce.
  for (const key of ["done", "need-more", "not-tls", "sslv2", "not-handshake", "not-client-hello", "bad-length", "malformed", "too-large", "bad-sni"]) {
    expect(seen.get(key) ?? 0).toBeGreaterThan(0);
  }
}, 60_000);
