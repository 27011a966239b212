// The contract stays dependency-free: the proxy imports it, and the proxy must never
// pull in cdk8s (or anything else) through it.
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const contractDir = resolve(import.meta.dir, "../../contract");
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/g;

test("contract/ imports only its own files, as ./name.js", () => {
  const files = readdirSync(contractDir).filter((name) => name.endsWith(".ts"));
  expect(files.length).toBeGreaterThan(0);
  const offending = files.flatMap((name) =>
    [...readFileSync(join(contractDir, name), "utf8").matchAll(IMPORT)]
      .map((match) => match[1]!)
      .filter((spec) => !/^\.\/[A-Za-z]+\.js$/.test(spec) || !existsSync(join(contractDir, spec.replace(/\.js$/, ".ts"))))
      .map((spec) => `${name} -> ${spec}`),
  );
  expect(offending).toEqual([]);
});
