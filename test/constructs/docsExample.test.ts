// The "new passthrough route in under ten lines" example in docs/constructs.md must
// stay short and must actually synthesize what the text says.
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

const root = join(import.meta.dir, "..", "..");

test("the ten-line example in docs/constructs.md synthesizes one v1 TLSRoute", () => {
  const docs = readFileSync(join(root, "docs", "constructs.md"), "utf8");
  const section = docs.slice(docs.indexOf("## A new passthrough route in under ten lines"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  expect(code!.trim().split("\n").length).toBeLessThan(10);

  // Run it against this checkout's sources instead of the published package.
  const dir = join(root, ".cache", `docs-example-${process.pid}`);
  const outdir = mkdtempSync(join(tmpdir(), "courier-docs-"));
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "example.ts"), code!.replace('"courier-gateway"', JSON.stringify(join(root, "src", "index.ts"))));
    const run = spawnSync(join(root, "node_modules", ".bin", "bun"), [join(dir, "example.ts")], { encoding: "utf8", env: { ...process.env, CDK8S_OUTDIR: outdir } });
    expect(run.stderr).toBe("");
    const objects = parseAllDocuments(readFileSync(join(outdir, "shop.k8s.yaml"), "utf8")).map((d) => d.toJS() as Record<string, unknown>);
    expect(objects).toEqual([
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "TLSRoute",
        metadata: { name: "shop", namespace: "shop" },
        spec: {
          hostnames: ["shop.example.com"],
          parentRefs: [{ name: "edge", namespace: "gateway-system" }],
          rules: [{ backendRefs: [{ name: "shop", port: 443 }] }],
        },
      },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outdir, { recursive: true, force: true });
  }
});
