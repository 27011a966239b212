// PostgreSQL clients (libpq's default sslnegotiation=postgres) send an 8-byte
// SSLRequest in plaintext and wait for "S" before their ClientHello. This classifies
// the bytes a connection starts with; TLS traffic (first byte 0x16) never gets here.

export const SSL_REQUEST = new Uint8Array([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
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
