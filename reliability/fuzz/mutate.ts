// Mutations of a valid input, driven by a seeded generator so a failing input can be
// made again: bit flips, random and boundary bytes, insertions, deletions,
// truncation, duplicated ranges. One to four per input. Pure.

export type Random = () => number;

const below = (random: Random, n: number): number => Math.floor(random() * n);
const BOUNDARY = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x0a, 0x3a, 0x2d, 0x26, 0x2a];

function mutateOnce(input: Uint8Array, random: Random): Uint8Array {
  const n = input.length;
  const at = below(random, Math.max(1, n));
  switch (below(random, 7)) {
    case 0: {
      const out = input.slice();
      if (n > 0) out[at] = out[at]! ^ (1 << below(random, 8));
      return out;
    }
    case 1: {
      const out = input.slice();
      if (n > 0) out[at] = random() < 0.5 ? below(random, 256) : BOUNDARY[below(random, BOUNDARY.length)]!;
      return out;
    }
    case 2: {
      const extra = Uint8Array.from({ length: 1 + below(random, 16) }, () => below(random, 256));
      return concat(input.subarray(0, at), extra, input.subarray(at));
    }
    case 3:
      return concat(input.subarray(0, at), input.subarray(Math.min(n, at + 1 + below(random, 32))));
    case 4:
      return input.subarray(0, at);
    case 5: {
      const end = Math.min(n, at + 1 + below(random, 64));
      return concat(input.subarray(0, end), input.subarray(at, end), input.subarray(end));
    }
    default: {
      // A 16-bit field set to a boundary: where length prefixes live.
      const out = input.slice();
      const value = [0, 1, 0xff, 0x100, 0x3fff, 0x4000, 0xffff][below(random, 7)]!;
      if (at + 1 < n) {
        out[at] = value >> 8;
        out[at + 1] = value & 0xff;
      }
      return out;
    }
  }
}

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function mutate(input: Uint8Array, random: Random): Uint8Array {
  let out = input;
  const times = 1 + below(random, 4);
  for (let i = 0; i < times; i++) out = mutateOnce(out, random);
  return out;
}

/** Splits bytes into 1..4 chunks at random points, as TCP might deliver them. */
export function chunkings(input: Uint8Array, random: Random): Uint8Array[] {
  const cuts = [...new Set(Array.from({ length: below(random, 4) }, () => below(random, input.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...cuts, input.length]) {
    if (cut > at) chunks.push(input.subarray(at, cut));
    at = Math.max(at, cut);
  }
  return chunks;
}
