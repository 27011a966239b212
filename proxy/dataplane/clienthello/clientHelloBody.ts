// Parses one complete ClientHello handshake body (the bytes after the 4-byte
// handshake header) into what routing needs. Pure: no state, no I/O, no throws.
// Structure per RFC 8446 4.1.2 (also valid for TLS 1.0-1.2 hellos):
//   legacy_version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2>
//   legacy_compression_methods<1..2^8-1> [extensions<8..2^16-1>]

import type { ClientHelloInfo, HelloParseResult, HelloRejectReason } from "./clientHelloTypes.ts";
import { normalizeServerName } from "./clientHelloSni.ts";
import { TlsCursor } from "./tlsCursor.ts";

const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;
const NAME_TYPE_HOST_NAME = 0;

type Failure = { readonly ok: false; readonly reason: HelloRejectReason; readonly detail: string };

function fail(reason: HelloRejectReason, detail: string): Failure {
  return { ok: false, reason, detail };
}

/** RFC 8701 reserves 0x?A?A version numbers so servers tolerate unknown ones; they offer nothing. */
function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

/** Parses a ClientHello body; a result, never an exception. */
export function parseClientHelloBody(body: Uint8Array): HelloParseResult {
  const c = new TlsCursor(body);
  if (c.remaining() < 34) return fail("bad-length", "hello body shorter than version and random");
  const legacyVersion = c.uint(2);
  if (legacyVersion >> 8 !== 3) return fail("malformed", `legacy_version 0x${legacyVersion.toString(16)} is not 3.x`);
  c.skip(32); // random

  const sessionId = c.vector(1);
  if (sessionId === undefined) return fail("bad-length", "session_id overruns the hello");
  if (sessionId.remaining() > 32) return fail("bad-length", "session_id longer than 32 bytes");

  const suites = c.vector(2);
  if (suites === undefined) return fail("bad-length", "cipher_suites overruns the hello");
  if (suites.remaining() === 0 || suites.remaining() % 2 !== 0) {
    return fail("bad-length", `cipher_suites length ${suites.remaining()} is not a positive even number`);
  }

  const compression = c.vector(1);
  if (compression === undefined) return fail("bad-length", "compression_methods overruns the hello");
  if (compression.remaining() === 0) return fail("bad-length", "compression_methods is empty");

  // TLS 1.0-1.2 allow a hello that ends here: no extensions, so no SNI.
  if (c.remaining() === 0) return { ok: true, hello: { serverName: undefined, alpn: [], versions: [legacyVersion] } };

  const extensions = c.vector(2);
  if (extensions === undefined) return fail("bad-length", "extensions overrun the hello");
  if (c.remaining() !== 0) return fail("bad-length", `${c.remaining()} bytes after the extensions`);
  return parseExtensions(extensions, legacyVersion);
}

function parseExtensions(block: TlsCursor, legacyVersion: number): HelloParseResult {
  let serverName: string | undefined;
  let alpn: readonly string[] = [];
  let versions: readonly number[] = [legacyVersion];
  const seen = new Set<number>();

  while (block.remaining() > 0) {
    if (block.remaining() < 4) return fail("bad-length", "truncated extension header");
    const type = block.uint(2);
    const data = block.vector(2);
    if (data === undefined) return fail("bad-length", `extension ${type} overruns the extensions block`);
    // Two server_name extensions could route by one name while the backend reads the other.
    if (seen.has(type)) return fail("malformed", `extension ${type} appears twice`);
    seen.add(type);

    if (type === EXT_SERVER_NAME) {
      const result = parseServerName(data);
      if (!result.ok) return result;
      serverName = result.name;
    } else if (type === EXT_ALPN) {
      const result = parseAlpn(data);
      if (!result.ok) return result;
      alpn = result.protocols;
    } else if (type === EXT_SUPPORTED_VERSIONS) {
      const result = parseSupportedVersions(data);
      if (!result.ok) return result;
      versions = result.versions;
    }
  }
  const hello: ClientHelloInfo = { serverName, alpn, versions };
  return { ok: true, hello };
}

/** RFC 6066 3: server_name_list<1..2^16-1> of (name_type, opaque<1..2^16-1>). */
function parseServerName(data: TlsCursor): { readonly ok: true; readonly name: string | undefined } | Failure {
  const list = data.vector(2);
  if (list === undefined || data.remaining() !== 0) return fail("bad-length", "server_name list length disagrees with the extension");
  if (list.remaining() === 0) return fail("bad-length", "server_name list is empty");
  let hostName: Uint8Array | undefined;
  while (list.remaining() > 0) {
    if (list.remaining() < 3) return fail("bad-length", "truncated server_name entry");
    const nameType = list.uint(1);
    const name = list.vector(2);
    if (name === undefined) return fail("bad-length", "server_name entry overruns the list");
    // Other name types are skipped as RFC 6066 allows; none are defined today.
    if (nameType !== NAME_TYPE_HOST_NAME) continue;
    if (hostName !== undefined) return fail("malformed", "more than one host_name in server_name");
    hostName = name.take(name.remaining());
  }
  if (hostName === undefined) return { ok: true, name: undefined };
  const normalized = normalizeServerName(hostName);
  return normalized.ok ? { ok: true, name: normalized.name } : fail("bad-sni", normalized.detail);
}

/** RFC 7301 3.1: protocol_name_list<2..2^16-1> of opaque<1..2^8-1>. */
function parseAlpn(data: TlsCursor): { readonly ok: true; readonly protocols: readonly string[] } | Failure {
  const list = data.vector(2);
  if (list === undefined || data.remaining() !== 0) return fail("bad-length", "ALPN list length disagrees with the extension");
  if (list.remaining() === 0) return fail("bad-length", "ALPN list is empty");
  const protocols: string[] = [];
  while (list.remaining() > 0) {
    const name = list.vector(1);
    if (name === undefined) return fail("bad-length", "ALPN protocol name overruns the list");
    if (name.remaining() === 0) return fail("bad-length", "empty ALPN protocol name");
    // Latin-1 keeps every byte of an opaque protocol id; real ids are ASCII.
    protocols.push(String.fromCharCode(...name.take(name.remaining())));
  }
  return { ok: true, protocols };
}

/** RFC 8446 4.2.1 (ClientHello form): ProtocolVersion versions<2..254>. */
function parseSupportedVersions(data: TlsCursor): { readonly ok: true; readonly versions: readonly number[] } | Failure {
  const list = data.vector(1);
  if (list === undefined || data.remaining() !== 0) {
    return fail("bad-length", "supported_versions length disagrees with the extension");
  }
  if (list.remaining() < 2 || list.remaining() % 2 !== 0) {
    return fail("bad-length", `supported_versions length ${list.remaining()} is not a positive even number`);
  }
  const versions: number[] = [];
  while (list.remaining() > 0) {
    const version = list.uint(2);
    if (!isGrease(version)) versions.push(version);
  }
  return { ok: true, versions };
}
