import { describe, expect, test } from "bun:test";
import { drasticChange, fingerprint, type LoadShape } from "../../../../proxy/sources/file/reloadGuard.ts";

const shape = (listeners: number, files: Record<string, number>): LoadShape => ({
  listeners,
  files: Object.entries(files).map(([path, objects]) => ({ path, objects, digest: `${path}:${objects}` })),
});

describe("drasticChange", () => {
  test("removing every listener needs a second read", () => {
    expect(drasticChange(shape(2, { "a.yaml": 3 }), shape(0, { "a.yaml": 1 }))).toContain("every listener would be removed (2 now)");
  });

  test("a file that had objects and now has none needs a second read", () => {
    expect(drasticChange(shape(1, { "gw.yaml": 2, "routes.yaml": 4 }), shape(1, { "gw.yaml": 2, "routes.yaml": 0 }))).toBe("routes.yaml had 4 objects and now has none (empty, or cut short mid-write)");
  });

  test("ordinary changes, removed files and a start with nothing apply at once", () => {
    expect(drasticChange(shape(1, { "gw.yaml": 2, "routes.yaml": 4 }), shape(1, { "gw.yaml": 2, "routes.yaml": 1 }))).toBeUndefined();
    expect(drasticChange(shape(1, { "gw.yaml": 2, "routes.yaml": 4 }), shape(1, { "gw.yaml": 2 }))).toBeUndefined();
    expect(drasticChange(shape(0, { "empty.yaml": 0 }), shape(0, { "empty.yaml": 0 }))).toBeUndefined();
  });

  test("fingerprints differ when any file's content does", () => {
    expect(fingerprint(shape(1, { "a.yaml": 1 }))).toBe(fingerprint(shape(1, { "a.yaml": 1 })));
    expect(fingerprint(shape(1, { "a.yaml": 1 }))).not.toBe(fingerprint(shape(1, { "a.yaml": 2 })));
  });
});
