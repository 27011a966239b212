// Reading Gateway API manifests from files: YAML with several documents per file,
// or JSON. Parsing is pure; only readManifestDir touches the disk. Each object's
// source is "file.yaml#N", the file and the document's index in it.
import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Composer, Parser } from "yaml";
import type { SourcedObject } from "../normalize/normalize.ts";
import { DEFAULT_FILE_SIZE_LIMITS, dirTooLarge, readLimitedText, type FileSizeLimits } from "./sizeLimits.ts";

/** One configuration file as read: what the reload guard compares between loads. */
export interface FileRead {
  readonly path: string;
  /** Objects it yielded (0 for an empty file, or one that failed to parse). */
  readonly objects: number;
  /** Digest of its content: two reads with equal digests read the same bytes. */
  readonly digest: string;
}

export interface ManifestParse {
  readonly objects: readonly SourcedObject[];
  readonly errors: readonly string[];
  /** The files read, when read from disk. */
  readonly files?: readonly FileRead[];
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** Whether a file name is a manifest's: only these are read, and only these trigger reloads. */
export function isManifestFile(name: string): boolean {
  return MANIFEST_FILE.test(name);
}

export function digestOf(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The YAML library's warnings go to process.emitWarning, raw onto stderr with lines of
 * the file quoted: a way around the log's escaping. Errors are reported; warnings not.
 */
export const QUIET_YAML = { logLevel: "error" } as const;

export function parseManifestText(text: string, file: string): ManifestParse {
  const objects: SourcedObject[] = [];
  const errors: string[] = [];
  // One document at a time, each syntax tree dropped once converted: a file of
  // thousands of objects never holds all their trees at once (they outweigh the objects).
  let index = 0;
  for (const doc of new Composer(QUIET_YAML).compose(new Parser().parse(text))) {
    const where = `${file}#${++index}`;
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      errors.push(`${where}: invalid YAML: ${first.message.split("\n")[0]}`);
      continue;
    }
    try {
      objects.push({ object: doc.toJS() as unknown, source: where });
    } catch (error) {
      // toJS throws for an alias to an anchor defined later, or too many aliases.
      errors.push(`${where}: invalid YAML: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  return { objects, errors };
}

/**
 * Every manifest file directly in `dir` or below it, in name order (deterministic).
 * Sizes are checked with stat first: a directory over its limit is not read at all.
 */
export async function readManifestDir(dir: string, limits: FileSizeLimits = DEFAULT_FILE_SIZE_LIMITS): Promise<ManifestParse> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && isManifestFile(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  let total = 0;
  for (const file of files) {
    // A file removed since readdir is left to readManifestFiles, which reports it.
    total += await stat(file).then((s) => s.size, () => 0);
  }
  if (total > limits.maxDirBytes) return { objects: [], errors: [dirTooLarge(dir, total, limits.maxDirBytes)], files: [] };
  return await readManifestFiles(files, limits);
}

/** These files, in the order given (`courier check` names files as well as directories). */
export async function readManifestFiles(files: readonly string[], limits: FileSizeLimits = DEFAULT_FILE_SIZE_LIMITS): Promise<ManifestParse> {
  const objects: SourcedObject[] = [];
  const errors: string[] = [];
  const read: FileRead[] = [];
  let total = 0;
  for (const file of files) {
    let text: string;
    try {
      text = await readLimitedText(file, limits.maxFileBytes);
    } catch (error) {
      errors.push((error as Error).message.startsWith(file) ? (error as Error).message : `${file}: ${(error as Error).message}`);
      continue;
    }
    // Counted again while reading: files can grow after the directory's stat.
    total += Buffer.byteLength(text);
    if (total > limits.maxDirBytes) {
      errors.push(dirTooLarge(dirname(file), total, limits.maxDirBytes));
      break;
    }
    const parsed = parseManifestText(text, file);
    objects.push(...parsed.objects);
    errors.push(...parsed.errors);
    read.push({ path: file, objects: parsed.errors.length > 0 ? 0 : parsed.objects.length, digest: digestOf(text) });
  }
  return { objects, errors, files: read };
}

