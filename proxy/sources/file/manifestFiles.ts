// Reading Gateway API manifests from files: YAML with several documents per file,
// or JSON. Parsing is pure; only readManifestDir touches the disk. Each object's
// source is "file.yaml#N", the file and the document's index in it.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { SourcedObject } from "../normalize/normalize.ts";

export interface ManifestParse {
  readonly objects: readonly SourcedObject[];
  readonly errors: readonly string[];
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

export function parseManifestText(text: string, file: string): ManifestParse {
  const objects: SourcedObject[] = [];
  const errors: string[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    const where = `${file}#${index + 1}`;
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      errors.push(`${where}: invalid YAML: ${first.message.split("\n")[0]}`);
      return;
    }
    objects.push({ object: doc.toJS() as unknown, source: where });
  });
  return { objects, errors };
}

/** Every manifest file directly in `dir` or below it, in name order (deterministic). */
export async function readManifestDir(dir: string): Promise<ManifestParse> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && MANIFEST_FILE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  return await readManifestFiles(files);
}

/** These files, in the order given (`courier check` names files as well as directories). */
export async function readManifestFiles(files: readonly string[]): Promise<ManifestParse> {
  const objects: SourcedObject[] = [];
  const errors: string[] = [];
  for (const file of files) {
    const parsed = parseManifestText(await readFile(file, "utf8"), file);
    objects.push(...parsed.objects);
    errors.push(...parsed.errors);
  }
  return { objects, errors };
}
