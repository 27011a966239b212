// Latency figures from samples: percentiles by rank, no interpolation.

export interface Latency {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export const NO_SAMPLES: Latency = { count: 0, p50: 0, p99: 0, max: 0 };

export function latencyOf(samples: readonly number[]): Latency {
  if (samples.length === 0) return NO_SAMPLES;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

/** The worse of two windows, for a row that spans several. */
export function worst(a: Latency, b: Latency): Latency {
  return { count: a.count + b.count, p50: Math.max(a.p50, b.p50), p99: Math.max(a.p99, b.p99), max: Math.max(a.max, b.max) };
}
