// Size limits on configuration files. YAML is parsed on the thread that moves bytes,
// so a huge file would stall every stream (and its parse tree can take gigabytes):
// sizes are checked with stat before a byte is read, and once more after reading,
// since a file can grow in between.
import { readFile, stat } from "node:fs/promises";

export interface FileSizeLimits {
  /** Largest single configuration file read (a manifest or the endpoints file). */
  readonly maxFileBytes: number;
  /** Largest total of the manifest files in the manifests directory. */
  readonly maxDirBytes: number;
}

const MIB = 1024 * 1024;

/** Far above any real configuration, far below what stalls forwarding for long. */
export const DEFAULT_FILE_SIZE_LIMITS: FileSizeLimits = { maxFileBytes: 8 * MIB, maxDirBytes: 32 * MIB };

/** The message for a file over the per-file limit; names the file, its size, the limit and the flag. */
export function fileTooLarge(path: string, size: number, limit: number): string {
  return `${path}: ${size} bytes is over the limit of ${limit} bytes per file (--max-file-bytes); not read`;
}

/** The message for a directory whose manifest files together pass the limit. */
export function dirTooLarge(dir: string, size: number, limit: number): string {
  return `${dir}: the manifest files total ${size} bytes, over the limit of ${limit} bytes per directory (--max-dir-bytes); not read`;
}

/** Reads a text file no larger than `maxBytes`; throws with fileTooLarge's message otherwise. */
export async function readLimitedText(path: string, maxBytes: number): Promise<string> {
  const { size } = await stat(path);
  if (size > maxBytes) throw new Error(fileTooLarge(path, size, maxBytes));
  const bytes = await readFile(path);
  if (bytes.length > maxBytes) throw new Error(fileTooLarge(path, bytes.length, maxBytes));
  return bytes.toString("utf8");
}
