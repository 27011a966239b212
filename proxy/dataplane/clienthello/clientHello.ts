// Incremental ClientHello reader for one connection. The connection layer pushes TCP
// chunks as they arrive; this reassembles the handshake message across segments and
// across TLS records, then hands the complete body to the pure parser.
//
// Work is linear in the bytes pushed: record-header progress and the handshake body
// are kept between pushes, each byte is copied once, and memory is fixed as soon as
// the handshake length is known (never more than `maxBytes`).
//
// The reader only parses; the caller keeps its own copy of the chunks and replays all
// of them to the backend. The deadline for a complete hello is the caller's, too.
//
// A hello without server_name ends in state "done" with `serverName: undefined`:
// whether that is fatal is the caller's choice (the connection refuses it as "no-sni").

import { DEFAULT_MAX_HELLO_BYTES, MAX_HELLO_BYTES_LIMIT, MIN_HELLO_BYTES } from "../../../contract/index.ts";
import { parseClientHelloBody } from "./clientHelloBody.ts";
import type { HelloProgress, HelloRejectReason } from "./clientHelloTypes.ts";
import {
  checkFirstByte,
  checkRecordHeader,
  HANDSHAKE_CLIENT_HELLO,
  HANDSHAKE_HEADER_BYTES,
  RECORD_HEADER_BYTES,
} from "./tlsRecords.ts";

export { parseClientHelloBody } from "./clientHelloBody.ts";
export { normalizeServerName } from "./clientHelloSni.ts";
export type { ClientHelloInfo, HelloParseResult, HelloProgress, HelloRejectReason } from "./clientHelloTypes.ts";

const NEED_MORE: HelloProgress = { state: "need-more" };

export class ClientHelloReader {
  private readonly maxBytes: number;
  private result: HelloProgress | undefined;
  /** Stream bytes taken so far (record headers included). */
  private consumed = 0;
  private records = 0;
  private readonly recordHeader = new Uint8Array(RECORD_HEADER_BYTES);
  private recordHeaderFill = 0;
  /** Payload bytes still to come in the current record; 0 while reading a header. */
  private recordRemaining = 0;
  private readonly handshakeHeader = new Uint8Array(HANDSHAKE_HEADER_BYTES);
  private handshakeHeaderFill = 0;
  /** Allocated once the handshake length is known and checked against the limit. */
  private body: Uint8Array | undefined;
  private bodyFill = 0;

  /**
   * `maxBytes`: hello bytes (records and their headers) to accept, MIN_HELLO_BYTES..
   * MAX_HELLO_BYTES_LIMIT. Out of range throws RangeError: validate configuration at startup.
   */
  constructor(maxBytes: number = DEFAULT_MAX_HELLO_BYTES) {
    if (!Number.isInteger(maxBytes) || maxBytes < MIN_HELLO_BYTES || maxBytes > MAX_HELLO_BYTES_LIMIT) {
      throw new RangeError(`maxBytes must be an integer in ${MIN_HELLO_BYTES}..${MAX_HELLO_BYTES_LIMIT}, got ${maxBytes}`);
    }
    this.maxBytes = maxBytes;
  }

  /** Bytes of hello data this reader holds in memory; never more than maxBytes. */
  get heldBytes(): number {
    return this.recordHeaderFill + this.handshakeHeaderFill + (this.body?.length ?? 0);
  }

  /** Feeds the next chunk of the stream. Once done or rejected, returns that same result. */
  push(chunk: Uint8Array): HelloProgress {
    if (this.result !== undefined) return this.result;
    let at = 0;
    while (at < chunk.length) {
      const taken = this.recordRemaining === 0 ? this.readRecordHeader(chunk, at) : this.readPayload(chunk, at);
      at += taken;
      this.consumed += taken;
      if (this.result !== undefined) return this.result;
    }
    return NEED_MORE;
  }

  private finish(result: HelloProgress): void {
    this.result = result;
    this.body = undefined; // the parsed hello keeps what it needs
  }

  private reject(reason: HelloRejectReason, detail: string): void {
    this.finish({ state: "rejected", reason, detail });
  }

  /** Takes header bytes from chunk[at..]; returns how many it took. */
  private readRecordHeader(chunk: Uint8Array, at: number): number {
    const count = Math.min(RECORD_HEADER_BYTES - this.recordHeaderFill, chunk.length - at);
    this.recordHeader.set(chunk.subarray(at, at + count), this.recordHeaderFill);
    this.recordHeaderFill += count;
    if (this.records === 0) {
      // Refuse non-TLS peers on their first byte rather than after five.
      const early = checkFirstByte(this.recordHeader[0] ?? 0);
      if (early !== undefined) {
        this.reject(early.reason, early.detail);
        return count;
      }
    }
    if (this.recordHeaderFill < RECORD_HEADER_BYTES) return count;

    const checked = checkRecordHeader(this.recordHeader, this.records === 0);
    if (typeof checked !== "number") {
      this.reject(checked.reason, checked.detail);
      return count;
    }
    // The whole record belongs to the hello, so it must fit the limit.
    if (this.consumed + count + checked > this.maxBytes) {
      this.reject("too-large", `hello records exceed ${this.maxBytes} bytes`);
      return count;
    }
    this.records += 1;
    this.recordHeaderFill = 0;
    this.recordRemaining = checked;
    return count;
  }

  /** Takes record payload bytes from chunk[at..]; returns how many it took. */
  private readPayload(chunk: Uint8Array, at: number): number {
    const available = Math.min(this.recordRemaining, chunk.length - at);
    let taken = 0;
    if (this.handshakeHeaderFill < HANDSHAKE_HEADER_BYTES) {
      taken = Math.min(HANDSHAKE_HEADER_BYTES - this.handshakeHeaderFill, available);
      this.handshakeHeader.set(chunk.subarray(at, at + taken), this.handshakeHeaderFill);
      this.handshakeHeaderFill += taken;
      this.recordRemaining -= taken;
      const type = this.handshakeHeader[0] ?? 0;
      if (type !== HANDSHAKE_CLIENT_HELLO) {
        this.reject("not-client-hello", `handshake message type ${type}`);
        return taken;
      }
      if (this.handshakeHeaderFill < HANDSHAKE_HEADER_BYTES) return taken;
      const length =
        (this.handshakeHeader[1] ?? 0) * 65_536 + (this.handshakeHeader[2] ?? 0) * 256 + (this.handshakeHeader[3] ?? 0);
      // At least one record header plus the handshake header precede the body.
      if (RECORD_HEADER_BYTES + HANDSHAKE_HEADER_BYTES + length > this.maxBytes) {
        this.reject("too-large", `ClientHello of ${length} bytes exceeds the ${this.maxBytes}-byte limit`);
        return taken;
      }
      this.body = new Uint8Array(length);
    }

    const body = this.body;
    if (body === undefined) return taken; // unreachable: allocated with the header
    const bodyCount = Math.min(body.length - this.bodyFill, available - taken);
    body.set(chunk.subarray(at + taken, at + taken + bodyCount), this.bodyFill);
    this.bodyFill += bodyCount;
    this.recordRemaining -= bodyCount;
    taken += bodyCount;
    if (this.bodyFill < body.length) return taken;

    // Nothing may follow the ClientHello in its last record: the lengths must agree.
    if (this.recordRemaining > 0) {
      this.reject("bad-length", `the record continues ${this.recordRemaining} bytes past the ClientHello`);
      return taken;
    }
    const parsed = parseClientHelloBody(body);
    if (parsed.ok) this.finish({ state: "done", hello: parsed.hello, consumedBytes: this.consumed + taken });
    else this.reject(parsed.reason, parsed.detail);
    return taken;
  }
}
