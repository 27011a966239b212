// Test helper: encodes ClientHellos from parts, so tests can state exactly what a
// hello carries (SNI, ALPN, versions, padding, raw extensions) and how it is framed.

export function u8(value: number): number[] {
  return [value & 0xff];
}

export function u16(value: number): number[] {
  return [(value >> 8) & 0xff, value & 0xff];
}

export function u24(value: number): number[] {
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

/** Appends without spreading: large hellos exceed the engine's argument limit. */
export function append(out: number[], bytes: Iterable<number>): number[] {
  for (const b of bytes) out.push(b);
  return out;
}

/** A vector with a `width`-byte length prefix. */
export function vec(width: 1 | 2 | 3, content: readonly number[]): number[] {
  const prefix = width === 1 ? u8(content.length) : width === 2 ? u16(content.length) : u24(content.length);
  return append(prefix, content);
}

export function ascii(text: string): number[] {
  return Array.from(text, (ch) => ch.charCodeAt(0));
}

export interface RawExtension {
  readonly type: number;
  readonly data: readonly number[];
}

export interface HelloParts {
  readonly legacyVersion?: number;
  readonly sessionIdLength?: number;
  readonly cipherSuites?: readonly number[];
  /** host_name for server_name; a byte array is sent as is. Omitted: no server_name. */
  readonly serverName?: string | readonly number[];
  readonly alpn?: readonly string[];
  /** supported_versions contents; omitted: no such extension. */
  readonly versions?: readonly number[];
  /** Bytes of the padding extension (type 21), to make large hellos. */
  readonly padding?: number;
  readonly extraExtensions?: readonly RawExtension[];
  /** Leave out the extensions block entirely (a TLS 1.0-style hello). */
  readonly noExtensions?: boolean;
}

export function serverNameExtension(name: string | readonly number[]): RawExtension {
  const bytes = typeof name === "string" ? ascii(name) : [...name];
  return { type: 0, data: vec(2, [0, ...vec(2, bytes)]) };
}

export function alpnExtension(protocols: readonly string[]): RawExtension {
  return { type: 16, data: vec(2, protocols.flatMap((p) => vec(1, ascii(p)))) };
}

export function versionsExtension(versions: readonly number[]): RawExtension {
  return { type: 43, data: vec(1, versions.flatMap(u16)) };
}

/** The ClientHello body (without the 4-byte handshake header). */
export function helloBody(parts: HelloParts = {}): Uint8Array {
  const extensions: RawExtension[] = [];
  if (parts.serverName !== undefined) extensions.push(serverNameExtension(parts.serverName));
  if (parts.alpn !== undefined) extensions.push(alpnExtension(parts.alpn));
  if (parts.versions !== undefined) extensions.push(versionsExtension(parts.versions));
  extensions.push(...(parts.extraExtensions ?? []));
  if (parts.padding !== undefined) extensions.push({ type: 21, data: new Array<number>(parts.padding).fill(0) });

  const random = Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
  const sessionId = Array.from({ length: parts.sessionIdLength ?? 32 }, (_, i) => i);
  const bytes = [
    ...u16(parts.legacyVersion ?? 0x0303),
    ...random,
    ...vec(1, sessionId),
    ...vec(2, (parts.cipherSuites ?? [0x1301, 0x1302, 0xc02f]).flatMap(u16)),
    ...vec(1, [0]),
  ];
  if (!parts.noExtensions) {
    const block: number[] = [];
    for (const e of extensions) append(append(block, u16(e.type)), vec(2, e.data));
    append(bytes, vec(2, block));
  }
  return Uint8Array.from(bytes);
}

/** A handshake message: type, 24-bit length, body. */
export function handshake(body: Uint8Array, type = 1): Uint8Array {
  return Uint8Array.from(append([type, ...u24(body.length)], body));
}

/**
 * Frames handshake bytes as TLS records of type 22. `fragments` gives the payload
 * size of each record but the last (which takes the rest); default: one record.
 */
export function records(payload: Uint8Array, fragments: readonly number[] = [], version = 0x0301): Uint8Array {
  const out: number[] = [];
  let at = 0;
  const sizes = [...fragments, payload.length - fragments.reduce((a, b) => a + b, 0)];
  for (const size of sizes) {
    append(out, [22, ...u16(version), ...u16(size)]);
    append(out, payload.subarray(at, at + size));
    at += size;
  }
  return Uint8Array.from(out);
}

/** A complete single-record ClientHello stream. */
export function clientHello(parts: HelloParts = {}): Uint8Array {
  return records(handshake(helloBody(parts)));
}

/** Splits a hello's handshake bytes evenly over `count` records. */
export function recordsEvenly(handshakeBytes: Uint8Array, count: number): Uint8Array {
  const size = Math.ceil(handshakeBytes.length / count);
  const fragments: number[] = [];
  for (let left = handshakeBytes.length; left > size && fragments.length < count - 1; left -= size) fragments.push(size);
  return records(handshakeBytes, fragments);
}

/** The handshake bytes carried by a stream of records (for re-framing captured hellos). */
export function unframe(stream: Uint8Array): Uint8Array {
  const out: number[] = [];
  let at = 0;
  while (at + 5 <= stream.length) {
    const length = ((stream[at + 3] ?? 0) << 8) | (stream[at + 4] ?? 0);
    append(out, stream.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return Uint8Array.from(out);
}
