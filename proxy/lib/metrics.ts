// Counters and gauges in the Prometheus text format. Series are created on first
// use; label values come from small fixed sets (reasons, listener ports), never SNIs.

type Labels = Readonly<Record<string, string | number>>;

/** One series' value; hot paths keep a reference instead of looking it up per event. */
export interface Counter {
  value: number;
}

interface Family {
  readonly help: string;
  readonly type: "counter" | "gauge";
  readonly series: Map<string, Counter>;
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

  private series(name: string, type: Family["type"], help: string, labels: Labels | undefined): Counter {
    const series = this.family(name, type, help).series;
    const key = seriesKey(labels);
    let counter = series.get(key);
    if (counter === undefined) series.set(key, (counter = { value: 0 }));
    return counter;
  }

  /** The series itself, for code that counts often: `counter.value++` costs no lookup. */
  counter(name: string, help: string, labels?: Labels): Counter {
    return this.series(name, "counter", help, labels);
  }

  inc(name: string, help: string, labels?: Labels, by = 1): void {
    this.series(name, "counter", help, labels).value += by;
  }

  set(name: string, help: string, value: number, labels?: Labels): void {
    this.series(name, "gauge", help, labels).value = value;
  }

  get(name: string, labels?: Labels): number {
    return this.families.get(name)?.series.get(seriesKey(labels))?.value ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, family] of [...this.families].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
      for (const [key, counter] of family.series) lines.push(`${name}${key} ${counter.value}`);
    }
    return `${lines.join("\n")}\n`;
  }
}
