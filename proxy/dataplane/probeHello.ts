// The TLS health check's bytes: a ClientHello a modern server answers (TLS 1.3 and
// 1.2 suites, an x25519 key share), and the judgement of the first bytes that come
// back. Pure: the caller supplies the random bytes and does the I/O.
//
// The check never completes a handshake: a ServerHello proves the endpoint's TLS
// stack is alive and accepts the route's SNI, which is all it asks. The key share is
// random bytes, not a key Courier keeps: every x25519 input is a valid public key.
import { CONTENT_HANDSHAKE, HANDSHAKE_CLIENT_HELLO, HANDSHAKE_HEADER_BYTES, RECORD_HEADER_BYTES } from "./clienthello/tlsRecords.ts";

/** Random bytes a hello needs: client random, legacy session id, x25519 key share. */
export const PROBE_RANDOM_BYTES = 96;

const HANDSHAKE_SERVER_HELLO = 2;
const CONTENT_ALERT = 21;

// TLS 1.3 suites, then ECDHE AEAD and CBC suites and RSA key exchange for TLS 1.2 servers.
const CIPHER_SUITES = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
const GROUP_X25519 = 0x001d;
const GROUPS = [GROUP_X25519, 0x0017, 0x0018];
// ECDSA, RSA-PSS and PKCS#1 with SHA-256/384/512.
const SIGNATURE_ALGORITHMS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
const TLS13 = 0x0304;
const TLS12 = 0x0303;

const EXT_SERVER_NAME = 0;
const EXT_SUPPORTED_GROUPS = 10;
const EXT_EC_POINT_FORMATS = 11;
const EXT_SIGNATURE_ALGORITHMS = 13;
const EXT_EXTENDED_MASTER_SECRET = 23;
const EXT_SUPPORTED_VERSIONS = 43;
const EXT_PSK_MODES = 45;
const EXT_KEY_SHARE = 51;
const EXT_RENEGOTIATION_INFO = 0xff01;

const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
const u24 = (n: number): number[] => [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const vec8 = (bytes: readonly number[]): number[] => [bytes.length, ...bytes];
const vec16 = (bytes: readonly number[]): number[] => [...u16(bytes.length), ...bytes];
const ext = (type: number, data: readonly number[]): number[] => [...u16(type), ...vec16(data)];
const list16 = (values: readonly number[]): number[] => values.flatMap(u16);

/**
 * One TLS record holding a ClientHello for `serverName` (none when undefined).
 * `random` holds PROBE_RANDOM_BYTES bytes.
 */
export function buildProbeHello(serverName: string | undefined, random: Uint8Array): Uint8Array {
  if (random.length !== PROBE_RANDOM_BYTES) throw new RangeError(`a probe hello needs ${PROBE_RANDOM_BYTES} random bytes, got ${random.length}`);
  const bytes = [...random];
  const clientRandom = bytes.slice(0, 32);
  const sessionId = bytes.slice(32, 64);
  const keyShare = bytes.slice(64, 96);
  const extensions = [
    ...(serverName === undefined ? [] : ext(EXT_SERVER_NAME, vec16([0, ...vec16(Array.from(serverName, (c) => c.charCodeAt(0) & 0xff))]))),
    ...ext(EXT_SUPPORTED_GROUPS, vec16(list16(GROUPS))),
    ...ext(EXT_EC_POINT_FORMATS, vec8([0])),
    ...ext(EXT_SIGNATURE_ALGORITHMS, vec16(list16(SIGNATURE_ALGORITHMS))),
    ...ext(EXT_EXTENDED_MASTER_SECRET, []),
    ...ext(EXT_RENEGOTIATION_INFO, vec8([])),
    ...ext(EXT_SUPPORTED_VERSIONS, vec8(list16([TLS13, TLS12]))),
    ...ext(EXT_PSK_MODES, vec8([1])),
    ...ext(EXT_KEY_SHARE, vec16([...u16(GROUP_X25519), ...vec16(keyShare)])),
  ];
  const body = [...u16(TLS12), ...clientRandom, ...vec8(sessionId), ...vec16(list16(CIPHER_SUITES)), ...vec8([0]), ...vec16(extensions)];
  const handshake = [HANDSHAKE_CLIENT_HELLO, ...u24(body.length), ...body];
  // Record version 3.1, as clients write it for the widest reach.
  return new Uint8Array([CONTENT_HANDSHAKE, 3, 1, ...u16(handshake.length), ...handshake]);
}

/** What the first bytes of an endpoint's answer say; everything but "server-hello" fails the check. */
export type ProbeReply = "need-more" | "server-hello" | "alert" | "not-server-hello";

/** Judges the bytes received so far (from the first): a handshake record whose first message is a ServerHello passes. */
export function judgeProbeReply(received: Uint8Array): ProbeReply {
  const type = received[0];
  if (type === undefined) return "need-more";
  if (type === CONTENT_ALERT) return "alert";
  if (type !== CONTENT_HANDSHAKE) return "not-server-hello";
  if (received.length > 1 && received[1] !== 3) return "not-server-hello";
  if (received.length < RECORD_HEADER_BYTES + 1) return "need-more";
  const length = received[3]! * 256 + received[4]!;
  if (length < HANDSHAKE_HEADER_BYTES) return "not-server-hello";
  return received[RECORD_HEADER_BYTES] === HANDSHAKE_SERVER_HELLO ? "server-hello" : "not-server-hello";
}
