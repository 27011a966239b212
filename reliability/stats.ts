// Latency figures from samples: percentiles by rank, no interpolation.

export interface Latency {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

const NO_SAMPLES: Latency = { count: 0, p50: 0, p99: 0, max: 0 };

export function latencyOf(samples: readonly number[]): Latency {
  if (samples.length === 0) return NO_SAMPLES;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}
