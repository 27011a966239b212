// The vocabulary shared by the ClientHello reader and its callers: what a hello
// yields and why one is refused. No logic lives here; the size limits are in
// contract/limits.ts, next to the flag that sets them.

/**
 * Why a connection's first bytes are not a usable ClientHello. A fixed set so the
 * caller can count them as a metrics label.
 * - `not-tls`: the bytes are not a TLS record (wrong first byte or record version).
 * - `sslv2`: an SSLv2-style hello (first byte has its high bit set).
 * - `not-handshake`: a TLS record of another type (alert, change_cipher_spec, data).
 * - `not-client-hello`: a handshake message other than ClientHello.
 * - `bad-length`: a length field overruns its container, leaves bytes over, or is out of range.
 * - `malformed`: the lengths add up but the structure is invalid (duplicate extension, ...).
 * - `too-large`: the hello would need more buffered bytes than allowed.
 * - `no-sni`: never produced by the reader; a caller that requires SNI uses it (the connection counts it under this name).
 * - `bad-sni`: the server_name is not a plausible DNS name.
 */
export type HelloRejectReason =
  | "not-tls"
  | "sslv2"
  | "not-handshake"
  | "not-client-hello"
  | "bad-length"
  | "malformed"
  | "too-large"
  | "no-sni"
  | "bad-sni";

/** What routing needs from a ClientHello. */
export interface ClientHelloInfo {
  /** host_name from server_name, lowercased, one trailing dot dropped; undefined when absent. */
  readonly serverName: string | undefined;
  /** ALPN protocol names in the client's order (bytes as Latin-1 characters); empty when absent. */
  readonly alpn: readonly string[];
  /** supported_versions without GREASE values, or [legacy_version] when that extension is absent. */
  readonly versions: readonly number[];
}

export type HelloProgress =
  | { readonly state: "need-more" }
  | {
      readonly state: "done";
      readonly hello: ClientHelloInfo;
      /** Stream bytes, from the first, through the end of the last record carrying the hello. */
      readonly consumedBytes: number;
    }
  | { readonly state: "rejected"; readonly reason: HelloRejectReason; readonly detail: string };

/** Outcome of parsing one complete ClientHello handshake body. */
export type HelloParseResult =
  | { readonly ok: true; readonly hello: ClientHelloInfo }
  | { readonly ok: false; readonly reason: HelloRejectReason; readonly detail: string };
