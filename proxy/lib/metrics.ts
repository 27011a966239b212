// Counters, gauges and histograms, written in the Prometheus text format by
// prom-client (which also escapes label values and collects the process metrics:
// CPU, memory, open file descriptors, event-loop lag).
//
// Series are plain numbers that callers keep a handle to: the data plane counts with
// `handle.value++`, which costs nothing measurable per connection; prom-client reads
// the handles only when /metrics is scraped. Label values come from bounded sets
// (reasons, listeners, and routes and backends under a cap), never from SNIs.
import { AggregatorRegistry, Counter as PromCounter, Gauge as PromGauge, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from "prom-client";
import { BucketHistogramFamily, HistogramSeries } from "./histogram.ts";

export type Labels = Readonly<Record<string, string | number>>;

/** A metric family as plain data (no functions), e.g. from a data-plane worker's registry. */
export type MetricFamily = Pick<MetricObjectWithValues<MetricValue<string>>, "name" | "help" | "type" | "aggregator" | "values">;

/** One series' value; hot paths keep a reference instead of looking it up per event. */
export interface Counter {
  value: number;
}

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly handle: Counter;
}

interface Family {
  readonly kind: "counter" | "gauge";
  readonly labelNames: readonly string[];
  readonly series: Map<string, Series>;
}

interface HistogramFamily {
  readonly labelNames: readonly string[];
  readonly bounds: readonly number[];
  readonly series: Map<string, HistogramSeries>;
}

function stringLabels(labels: Labels | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels ?? {}).sort()) out[key] = String(labels![key]);
  return out;
}

function seriesKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(labels);
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

export interface MetricsOptions {
  /** Also export prom-client's process metrics (CPU, RSS, open fds, event-loop lag, heap). */
  readonly process?: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly families = new Map<string, Family>();
  private readonly histograms = new Map<string, HistogramFamily>();
  private readonly refreshers: (() => void)[] = [];

  constructor(options: MetricsOptions = {}) {
    // Event-loop lag is sampled every 10 ms (prom-client's default), so a stall of the
    // thread that moves bytes shows in nodejs_eventloop_lag_p99_seconds.
    if (options.process === true) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges that prom-client names like counters (promtool's lint refuses them); the
      // per-type gauges beside them say the same.
      for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) this.registry.removeSingleMetric(name);
    }
  }

  private family(name: string, kind: Family["kind"], help: string, labelNames: readonly string[]): Family {
    let family = this.families.get(name);
    if (family === undefined) {
      const created: Family = { kind, labelNames, series: new Map() };
      family = created;
      this.families.set(name, created);
      const collect = (metric: PromCounter<string> | PromGauge<string>): void => {
        metric.reset();
        for (const { labels, handle } of created.series.values()) {
          if (metric instanceof PromCounter) metric.inc(labels, handle.value);
          else metric.set(labels, handle.value);
        }
      };
      const config = { name, help, labelNames: [...labelNames], registers: [this.registry] };
      if (kind === "counter") {
        const metric: PromCounter<string> = new PromCounter({ ...config, collect: () => collect(metric) });
      } else {
        const metric: PromGauge<string> = new PromGauge({ ...config, collect: () => collect(metric) });
      }
    }
    // A programming error, caught by the first test that touches the metric.
    if (family.kind !== kind || !sameNames(family.labelNames, labelNames)) throw new Error(`metric ${name} used as ${kind} with labels [${labelNames.join(",")}]`);
    return family;
  }

  private series(name: string, kind: Family["kind"], help: string, labels: Labels | undefined): Counter {
    const strings = stringLabels(labels);
    const family = this.family(name, kind, help, Object.keys(strings));
    const key = seriesKey(strings);
    let series = family.series.get(key);
    if (series === undefined) family.series.set(key, (series = { labels: strings, handle: { value: 0 } }));
    return series.handle;
  }

  /** The series itself, for code that counts often: `counter.value++` costs no lookup. */
  counter(name: string, help: string, labels?: Labels): Counter {
    return this.series(name, "counter", help, labels);
  }

  /** A gauge's series, to set directly. */
  gauge(name: string, help: string, labels?: Labels): Counter {
    return this.series(name, "gauge", help, labels);
  }

  inc(name: string, help: string, labels?: Labels, by = 1): void {
    this.series(name, "counter", help, labels).value += by;
  }

  set(name: string, help: string, value: number, labels?: Labels): void {
    this.series(name, "gauge", help, labels).value = value;
  }

  get(name: string, labels?: Labels): number {
    const key = seriesKey(stringLabels(labels));
    return this.families.get(name)?.series.get(key)?.handle.value ?? this.histograms.get(name)?.series.get(key)?.count ?? 0;
  }

  /** Drops one series (a route that left the configuration); a later use starts it at 0. */
  remove(name: string, labels?: Labels): void {
    const key = seriesKey(stringLabels(labels));
    this.families.get(name)?.series.delete(key);
    this.histograms.get(name)?.series.delete(key);
  }

  /** Drops every series of a gauge family, before it is set afresh. */
  clear(name: string): void {
    this.families.get(name)?.series.clear();
  }

  /** A histogram series with these bucket upper bounds (in the metric's unit). */
  histogram(name: string, help: string, bounds: readonly number[], labels?: Labels): HistogramSeries {
    const strings = stringLabels(labels);
    const labelNames = Object.keys(strings);
    let family = this.histograms.get(name);
    if (family === undefined) {
      const created: HistogramFamily = { labelNames, bounds, series: new Map() };
      family = created;
      this.histograms.set(name, created);
      new BucketHistogramFamily(name, help, labelNames, bounds, () => created.series.values(), this.registry);
    }
    if (!sameNames(family.labelNames, labelNames)) throw new Error(`histogram ${name} used with labels [${labelNames.join(",")}]`);
    const key = seriesKey(strings);
    let series = family.series.get(key);
    if (series === undefined) family.series.set(key, (series = new HistogramSeries(strings, family.bounds)));
    return series;
  }

  /** Runs before every scrape: for values that are read off live state rather than counted. */
  onScrape(refresh: () => void): void {
    this.refreshers.push(refresh);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every family with its values now, as plain data another thread can receive. */
  async exportFamilies(): Promise<MetricFamily[]> {
    for (const refresh of this.refreshers) refresh();
    const families = await this.registry.getMetricsAsJSON();
    return families.map(({ name, help, type, aggregator, values }) => ({ name, help, type, aggregator, values }));
  }

  /** The text exposition, with the families of other registries (the data-plane workers') summed in. */
  async render(others: readonly (readonly MetricFamily[])[] = []): Promise<string> {
    if (others.length === 0) {
      for (const refresh of this.refreshers) refresh();
      return await this.registry.metrics();
    }
    // prom-client's aggregation sums counters, gauges and histogram buckets by labels.
    const all = [await this.exportFamilies(), ...others] as MetricObjectWithValues<MetricValue<string>>[][];
    return await AggregatorRegistry.aggregate(all).metrics();
  }
}
