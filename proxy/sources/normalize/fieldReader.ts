// Typed reads from untrusted parsed JSON/YAML, each failure naming the field path,
// so that normalize.ts can say exactly what is wrong with an object and where.

export type JsonRecord = Readonly<Record<string, unknown>>;

/** A field of an object is missing or has the wrong type or value. */
export class FieldError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = "FieldError";
  }
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base === "" ? key : `${base}.${key}`;
}

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown, path: string): JsonRecord {
  if (!isRecord(value)) throw new FieldError(path, `must be an object, got ${describe(value)}`);
  return value;
}

/** An optional object field; absent or null reads as an empty object. */
export function recordField(owner: JsonRecord, key: string, path: string): JsonRecord {
  const value = owner[key];
  if (value === undefined || value === null) return {};
  return asRecord(value, joinPath(path, key));
}

export function optionalRecordField(owner: JsonRecord, key: string, path: string): JsonRecord | undefined {
  const value = owner[key];
  if (value === undefined || value === null) return undefined;
  return asRecord(value, joinPath(path, key));
}

/** An optional array field; absent or null reads as empty. */
export function arrayField(owner: JsonRecord, key: string, path: string): readonly unknown[] {
  const value = owner[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FieldError(joinPath(path, key), `must be a list, got ${describe(value)}`);
  return value;
}

export function optionalStringField(owner: JsonRecord, key: string, path: string): string | undefined {
  const value = owner[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new FieldError(joinPath(path, key), `must be a string, got ${describe(value)}`);
  return value;
}

export function stringField(owner: JsonRecord, key: string, path: string): string {
  const value = optionalStringField(owner, key, path);
  if (value === undefined || value === "") throw new FieldError(joinPath(path, key), "is required");
  return value;
}

export function optionalBooleanField(owner: JsonRecord, key: string, path: string): boolean | undefined {
  const value = owner[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw new FieldError(joinPath(path, key), `must be true or false, got ${describe(value)}`);
  return value;
}

export interface IntegerRange {
  readonly min: number;
  readonly max: number;
}

export function optionalIntegerField(
  owner: JsonRecord,
  key: string,
  path: string,
  range: IntegerRange,
): number | undefined {
  const value = owner[key];
  if (value === undefined || value === null) return undefined;
  const fieldPath = joinPath(path, key);
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new FieldError(fieldPath, `must be an integer, got ${describe(value)}`);
  }
  if (value < range.min || value > range.max) {
    throw new FieldError(fieldPath, `must be between ${range.min} and ${range.max}, got ${value}`);
  }
  return value;
}

export function integerField(owner: JsonRecord, key: string, path: string, range: IntegerRange): number {
  const value = optionalIntegerField(owner, key, path, range);
  if (value === undefined) throw new FieldError(joinPath(path, key), "is required");
  return value;
}

/** A map of string to string (labels, annotations, matchLabels). */
export function stringMapField(owner: JsonRecord, key: string, path: string): Readonly<Record<string, string>> {
  const record = recordField(owner, key, path);
  const result: Record<string, string> = {};
  for (const [entryKey, entryValue] of Object.entries(record)) {
    if (typeof entryValue !== "string") {
      throw new FieldError(joinPath(joinPath(path, key), entryKey), `must be a string, got ${describe(entryValue)}`);
    }
    result[entryKey] = entryValue;
  }
  return result;
}

export function stringListField(owner: JsonRecord, key: string, path: string): readonly string[] {
  return arrayField(owner, key, path).map((item, index) => {
    if (typeof item !== "string") {
      throw new FieldError(joinPath(joinPath(path, key), index), `must be a string, got ${describe(item)}`);
    }
    return item;
  });
}

/** A value as an error message quotes it: a short string, a number, "a list", "an object". */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
