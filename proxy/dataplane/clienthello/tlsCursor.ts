// A bounds-checked reader over a byte range, for parsing TLS structures without
// exceptions: every read that could overrun is preceded by a `remaining()` check,
// and length-prefixed vectors come back as sub-cursors (or undefined when they lie).

export class TlsCursor {
  private pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  /** Reads `width` bytes (1..3) as a big-endian unsigned integer; caller checked `remaining()`. */
  uint(width: 1 | 2 | 3): number {
    let value = 0;
    for (let i = 0; i < width; i++) value = value * 256 + (this.bytes[this.pos++] ?? 0);
    return value;
  }

  skip(count: number): void {
    this.pos += count;
  }

  /** The next `count` bytes as a view (no copy); caller checked `remaining()`. */
  take(count: number): Uint8Array {
    const view = this.bytes.subarray(this.pos, this.pos + count);
    this.pos += count;
    return view;
  }

  /**
   * Reads a vector with a `width`-byte length prefix and returns a cursor over its
   * contents, or undefined when the prefix or the contents run past the end.
   */
  vector(width: 1 | 2 | 3): TlsCursor | undefined {
    if (this.remaining() < width) return undefined;
    const length = this.uint(width);
    if (length > this.remaining()) return undefined;
    const inner = new TlsCursor(this.bytes, this.pos, this.pos + length);
    this.pos += length;
    return inner;
  }
}
