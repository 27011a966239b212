// A histogram the data plane can afford per connection: observing is a short loop
// over the bucket bounds and three additions on plain numbers (about 15 ns), where
// prom-client's own Histogram.observe() hashes labels and stringifies the bound on
// every call (about 500 ns, several times per connection). prom-client still writes
// it out: BucketHistogramFamily is a prom-client Histogram whose values come from
// these series when /metrics is scraped.
import { Histogram as PromHistogram, type Registry } from "prom-client";

/** One label set's buckets. */
export class HistogramSeries {
  /** counts[i]: observations <= bounds[i] and > bounds[i-1]; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

type Value = { value: number; labels: Record<string, string | number>; metricName: string };
type Exported = Awaited<ReturnType<PromHistogram<string>["get"]>>;

/** prom-client's typings call `type` a numeric enum, but its registry writes the string it holds. */
const HISTOGRAM_TYPE = "histogram" as unknown as Exported["type"];

/** The prom-client side of one histogram family: exposition only, no observe(). */
export class BucketHistogramFamily extends PromHistogram<string> {
  constructor(
    private readonly familyName: string,
    private readonly familyHelp: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
    private readonly series: () => Iterable<HistogramSeries>,
    registry: Registry,
  ) {
    super({ name: familyName, help: familyHelp, labelNames, buckets: [...bounds], registers: [registry] });
  }

  /** What the registry writes: cumulative buckets, then _sum and _count, per label set. */
  private values(): Value[] {
    const values: Value[] = [];
    for (const series of this.series()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        values.push({ metricName: `${this.familyName}_bucket`, labels: { ...series.labels, le: bound }, value: cumulative });
      });
      values.push({ metricName: `${this.familyName}_bucket`, labels: { ...series.labels, le: "+Inf" }, value: series.count });
      values.push({ metricName: `${this.familyName}_sum`, labels: { ...series.labels }, value: series.sum });
      values.push({ metricName: `${this.familyName}_count`, labels: { ...series.labels }, value: series.count });
    }
    return values;
  }

  override async get(): Promise<Exported> {
    return { name: this.familyName, help: this.familyHelp, type: HISTOGRAM_TYPE, aggregator: "sum", collect: () => undefined, values: this.values() };
  }

  /** The registry prefers this one when writing text (prom-client 15); same values. */
  async getForPromString(): Promise<Exported> {
    return this.get();
  }
}
