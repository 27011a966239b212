// Counters and gauges in the Prometheus text format. Series are created on first
// use; label values come from small fixed sets (reasons, listener ports), never SNIs.

type Labels = Readonly<Record<string, string | number>>;

interface Family {
  readonly help: string;
  readonly type: "counter" | "gauge";
  readonly series: Map<string, number>;
}

function seriesKey(labels: Labels | undefined): string {
  if (labels === undefined) return "";
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/["\\\n]/g, "_")}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

export class Metrics {
  private readonly families = new Map<string, Family>();

  private family(name: string, type: Family["type"], help: string): Family {
    let family = this.families.get(name);
    if (family === undefined) {
      family = { help, type, series: new Map() };
      this.families.set(name, family);
    }
    return family;
  }

  inc(name: string, help: string, labels?: Labels, by = 1): void {
    const series = this.family(name, "counter", help).series;
    const key = seriesKey(labels);
    series.set(key, (series.get(key) ?? 0) + by);
  }

  set(name: string, help: string, value: number, labels?: Labels): void {
    this.family(name, "gauge", help).series.set(seriesKey(labels), value);
  }

  get(name: string, labels?: Labels): number {
    return this.families.get(name)?.series.get(seriesKey(labels)) ?? 0;
  }

  /** Sum over every series of a family, whatever their labels. */
  total(name: string): number {
    let sum = 0;
    for (const value of this.families.get(name)?.series.values() ?? []) sum += value;
    return sum;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, family] of [...this.families].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
      for (const [key, value] of family.series) lines.push(`${name}${key} ${value}`);
    }
    return `${lines.join("\n")}\n`;
  }
}
