// proxy/sources/normalize/schemas/ is generated: it must equal what
// scripts/crdSchemas.ts writes from the CRDs of the modules pinned in
// scripts/versions.env, so nobody hand-edits it or forgets it after a version bump.
import { expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pinnedVersion } from "../../../../scripts/goModules.ts";
import { generate } from "../../../../scripts/crdSchemas.ts";

const committedDir = join(import.meta.dir, "..", "..", "..", "..", "proxy", "sources", "normalize", "schemas");

test("proxy/sources/normalize/schemas equals a fresh scripts/crdSchemas.ts run on the pinned CRDs", () => {
  const outDir = mkdtempSync(join(tmpdir(), "courier-schemas-"));
  try {
    generate(outDir);
    const committed = readdirSync(committedDir).sort();
    expect(readdirSync(outDir).sort()).toEqual(committed);
    for (const file of committed) {
      expect(readFileSync(join(outDir, file), "utf8"), `proxy/sources/normalize/schemas/${file} differs: run node_modules/.bin/bun scripts/crdSchemas.ts`).toBe(readFileSync(join(committedDir, file), "utf8"));
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}, 240_000);

test("the schemas name the pinned versions and cover every kind file mode reads", () => {
  const gatewayApi = JSON.parse(readFileSync(join(committedDir, "gatewayApi.json"), "utf8")) as { version: string; kinds: Record<string, { versions: Record<string, unknown> }> };
  const mcsApi = JSON.parse(readFileSync(join(committedDir, "mcsApi.json"), "utf8")) as { version: string; kinds: Record<string, { versions: Record<string, unknown> }> };
  expect(gatewayApi.version).toBe(pinnedVersion("GATEWAY_API_VERSION"));
  expect(mcsApi.version).toBe(pinnedVersion("MCS_API_VERSION"));
  expect(Object.keys(gatewayApi.kinds).sort()).toEqual(["Gateway", "GatewayClass", "ReferenceGrant", "TLSRoute"]);
  expect(Object.keys(gatewayApi.kinds["TLSRoute"]!.versions).sort()).toEqual(["v1", "v1alpha2", "v1alpha3"]);
  expect(Object.keys(mcsApi.kinds)).toEqual(["ServiceImport"]);
});
