// Snapshot of every scenario chart: a change in what the constructs write shows up
// here as a reviewed diff, chart by chart.
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Chart, Yaml } from "cdk8s";
import { defineScenarios, SCENARIOS } from "../../synth/app.ts";

describe("scenario charts", () => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), "courier-snapshots-")) });
  defineScenarios(app);

  test("one chart per scenario, in a fixed order", () => {
    expect(app.charts.map((c) => c.node.id)).toEqual([...SCENARIOS]);
  });

  test.each([...SCENARIOS])("%s", (id) => {
    const chart = app.node.findChild(id) as Chart;
    expect(Yaml.stringify(...chart.toJson())).toMatchSnapshot();
  });
});
