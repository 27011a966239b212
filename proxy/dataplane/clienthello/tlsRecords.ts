// TLS record-layer framing facts (RFC 8446 5.1, RFC 5246 6.2) used to find a
// ClientHello in a byte stream, and the checks on each record header.

import type { HelloRejectReason } from "./clientHelloTypes.ts";

export const RECORD_HEADER_BYTES = 5;
export const HANDSHAKE_HEADER_BYTES = 4;
/** TLSPlaintext.length MUST NOT exceed 2^14. */
export const MAX_RECORD_PAYLOAD = 16_384;
export const CONTENT_HANDSHAKE = 22;
export const HANDSHAKE_CLIENT_HELLO = 1;

// change_cipher_spec, alert, application_data, heartbeat: TLS, but not a hello.
const OTHER_CONTENT_TYPES: ReadonlySet<number> = new Set([20, 21, 23, 24]);

export interface RecordRejection {
  readonly reason: HelloRejectReason;
  readonly detail: string;
}

/** Judges a stream by its first byte, so non-TLS peers are refused without waiting. */
export function checkFirstByte(byte: number): RecordRejection | undefined {
  if (byte === CONTENT_HANDSHAKE) return undefined;
  // An SSLv2 record header sets the top bit of its 2-byte length.
  if ((byte & 0x80) !== 0) return { reason: "sslv2", detail: "SSLv2-style record header" };
  if (OTHER_CONTENT_TYPES.has(byte)) return { reason: "not-handshake", detail: `first record has content type ${byte}` };
  return { reason: "not-tls", detail: `first byte 0x${byte.toString(16).padStart(2, "0")} is not a TLS record type` };
}

/**
 * Checks a complete 5-byte record header of a record expected to carry (part of)
 * the ClientHello. Returns the payload length, or why the record is refused.
 */
export function checkRecordHeader(header: Uint8Array, isFirst: boolean): number | RecordRejection {
  const type = header[0] ?? 0;
  if (isFirst) {
    const rejection = checkFirstByte(type);
    if (rejection !== undefined) return rejection;
  } else if (type !== CONTENT_HANDSHAKE) {
    return { reason: "not-handshake", detail: `record of content type ${type} before the ClientHello ended` };
  }
  const major = header[1] ?? 0;
  const minor = header[2] ?? 0;
  // Clients put 3.0..3.3 here (3.4 is tolerated); anything else is not a TLS record.
  if (major !== 3 || minor > 4) {
    const detail = `record version ${major}.${minor}`;
    return isFirst ? { reason: "not-tls", detail } : { reason: "malformed", detail };
  }
  const length = (header[3] ?? 0) * 256 + (header[4] ?? 0);
  // Zero-length handshake fragments are forbidden (RFC 8446 5.1).
  if (length === 0) return { reason: "bad-length", detail: "empty handshake record" };
  if (length > MAX_RECORD_PAYLOAD) return { reason: "bad-length", detail: `record length ${length} exceeds 2^14` };
  return length;
}
