// Found by the reliability suite's fuzz row: a YAML alias before its anchor made the
// manifest parser throw (the whole directory then failed to load, the error naming no
// file), and the YAML library's warnings went raw to stderr, quoting lines of the file
// past the log's escaping (a forged log line from the endpoints file).
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadManifests } from "../../../../proxy/sources/file/fileSource.ts";
import { parseManifestText } from "../../../../proxy/sources/file/manifestFiles.ts";

const FORGED = "2026-01-01T00:00:00.000Z ERROR forged=1: !bar y";
const dirs: string[] = [];
const emitWarning = process.emitWarning;
afterEach(() => {
  process.emitWarning = emitWarning;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Records what the YAML library would print on stderr. */
function warnings(): string[] {
  const seen: string[] = [];
  process.emitWarning = ((warning: string | Error) => void seen.push(String(warning))) as typeof process.emitWarning;
  return seen;
}

test("an alias before its anchor is an error naming the file and document, not an exception", () => {
  const parsed = parseManifestText("kind: Gateway\n---\nname: *later\nother: &later x\n", "routes.yaml");
  expect(parsed.errors).toEqual([expect.stringMatching(/^routes\.yaml#2: invalid YAML: .*alias/i)]);
  expect(parsed.objects.map((o) => o.source)).toEqual(["routes.yaml#1"]);
});

test("YAML warnings in a manifest or the endpoints file are not printed", async () => {
  const seen = warnings();
  parseManifestText(`a: !foo x\n${FORGED}\n? [a, b]\n: c\n`, "m.yaml");
  const dir = mkdtempSync(join(tmpdir(), "courier-yaml-"));
  dirs.push(dir);
  const endpoints = join(dir, "endpoints.yaml");
  writeFileSync(endpoints, `services:\n- name: !x\n${FORGED}\n`);
  await loadManifests({ objects: [], errors: [] }, endpoints);
  expect(seen).toEqual([]);
});
