// PostgreSQL clients (libpq's default sslnegotiation=postgres) send an 8-byte
// SSLRequest in plaintext and wait for "S" before their ClientHello; the server is
// asked the same on the client's behalf. This module knows the messages and the
// answers; the connection does the reading and writing. No sockets here.
import { CONTENT_HANDSHAKE } from "./clienthello/tlsRecords.ts";

export const SSL_REQUEST = new Uint8Array([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
/** Bytes of an SSLRequest or GSSENCRequest. */
export const REQUEST_BYTES = 8;
/** The one-byte answer to an SSLRequest that means "a TLS handshake follows". */
export const ACCEPT_SSL = new Uint8Array([0x53]); // "S"
/** The one-byte answer that refuses a GSSENCRequest. */
export const REFUSE = new Uint8Array([0x4e]); // "N"
/** SSLRequest/GSSENCRequest rounds a client may go through before its ClientHello. */
export const MAX_REQUESTS = 2;

const SSL_REQUEST_CODE = 80877103;
const GSSENC_REQUEST_CODE = 80877104;
const CANCEL_REQUEST_CODE = 80877102;
const PROTOCOL_3 = 0x00030000;

export type PostgresPreamble =
  | "need-more"
  | "ssl-request"
  | "gssenc-request"
  | "cancel-request"
  | "startup-message"
  | "not-postgres";

/**
 * Why a PostgreSQL connection is refused before forwarding.
 * - `pg-too-many-requests`: more SSLRequest/GSSENCRequest rounds than a client needs.
 * - `pg-plaintext-cancel`, `pg-plaintext-startup`: a plaintext message, which names no server.
 * - `pg-server-refused-ssl`, `pg-server-timeout`: the server did not answer our SSLRequest with "S" in time.
 */
export type PostgresRejectReason =
  | "pg-too-many-requests"
  | "pg-plaintext-cancel"
  | "pg-plaintext-startup"
  | "pg-server-refused-ssl"
  | "pg-server-timeout";

/**
 * What to do with the bytes at the front of a connection that has no ClientHello yet.
 * - `hello`: a TLS record, or bytes no PostgreSQL client sends: the ClientHello reader
 *   takes them from here (and names what they are when they are not TLS).
 * - `need-more`: part of a request: keep the bytes until the rest arrives.
 * - `accept-ssl`: an SSLRequest: answer ACCEPT_SSL, skip REQUEST_BYTES.
 * - `refuse-gssenc`: a GSSENCRequest: answer REFUSE (no GSSAPI encryption here, which
 *   makes libpq fall back to an SSLRequest), skip REQUEST_BYTES.
 * - a reject reason: refuse the connection.
 */
export type PreambleStep = "hello" | "need-more" | "accept-ssl" | "refuse-gssenc" | PostgresRejectReason;

/** Looks at the first bytes of a connection that did not start with a TLS record. */
export function classifyPostgresPreamble(bytes: Uint8Array): PostgresPreamble {
  if (bytes.length < 8) {
    // A PostgreSQL message length's top byte is 0 for any sane first message.
    return bytes.length > 0 && bytes[0] !== 0 ? "not-postgres" : "need-more";
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const length = view.getUint32(0);
  const code = view.getUint32(4);
  if (length === 8 && code === SSL_REQUEST_CODE) return "ssl-request";
  if (length === 8 && code === GSSENC_REQUEST_CODE) return "gssenc-request";
  if (length === 16 && code === CANCEL_REQUEST_CODE) return "cancel-request";
  if (length >= 8 && length <= 10_000 && code === PROTOCOL_3) return "startup-message";
  return "not-postgres";
}

/**
 * The next step for `bytes` (never empty), the unread front of a connection, after
 * `answered` requests have been answered on it.
 */
export function nextPreambleStep(bytes: Uint8Array, answered: number): PreambleStep {
  if (bytes[0] === CONTENT_HANDSHAKE) return "hello";
  switch (classifyPostgresPreamble(bytes)) {
    case "need-more":
      return "need-more";
    case "ssl-request":
      return answered >= MAX_REQUESTS ? "pg-too-many-requests" : "accept-ssl";
    case "gssenc-request":
      return answered >= MAX_REQUESTS ? "pg-too-many-requests" : "refuse-gssenc";
    case "cancel-request":
      return "pg-plaintext-cancel";
    case "startup-message":
      return "pg-plaintext-startup";
    case "not-postgres":
      return "hello";
  }
}

/** What a refused client is told in the log, for the refusals a client setting can avoid. */
export function postgresRejectDetail(reason: PostgresRejectReason): string | undefined {
  switch (reason) {
    case "pg-plaintext-cancel":
      return "a CancelRequest carries no SNI; connect with sslmode=require or stricter";
    case "pg-plaintext-startup":
      return "a plaintext startup message carries no SNI; connect with sslmode=require or stricter";
    default:
      return undefined;
  }
}

/** Whether the server's answer to our SSLRequest (its first byte) lets TLS through. */
export function serverAcceptsSsl(answer: Uint8Array): boolean {
  return answer[0] === ACCEPT_SSL[0];
}
