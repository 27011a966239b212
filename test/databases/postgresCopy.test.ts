// Bulk data through the proxy: 100 MB COPY FROM STDIN into a real PostgreSQL server
// and back out with COPY TO STDOUT, both via Courier, compared byte for byte (md5 of
// the stream) with the file that went in. The same transfer straight to the server is
// timed alongside for the record (printed, not asserted).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { psql } from "../helpers/postgres.ts";
import { ALPHA_HOST, startPostgresWorld, type PostgresWorld } from "./postgresWorld.ts";

const MB = 1_000_000;
const TARGET_BYTES = 100 * MB;
const PAYLOAD_HEX = 1000;

let world: PostgresWorld;
let file: string;
let fileMd5: string;
let rows = 0;
let fileBytes = 0;

/** Rows of "id<TAB>random hex", written in 4 MB batches; returns the md5 of the file. */
function writeCopyFile(path: string): string {
  const hash = createHash("md5");
  const fd = openSync(path, "w");
  try {
    while (fileBytes < TARGET_BYTES) {
      const random = randomBytes(4 * MB / 2).toString("hex");
      let batch = "";
      for (let at = 0; at + PAYLOAD_HEX <= random.length && fileBytes + batch.length < TARGET_BYTES; at += PAYLOAD_HEX) {
        rows++;
        batch += `${rows}\t${random.slice(at, at + PAYLOAD_HEX)}\n`;
      }
      const bytes = Buffer.from(batch);
      writeSync(fd, bytes);
      hash.update(bytes);
      fileBytes += bytes.length;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/** COPY ... TO STDOUT through psql, hashed as it streams (never held in memory). */
async function copyOutMd5(conn: string, table: string): Promise<{ md5: string; bytes: number; code: number | null; stderr: string }> {
  const child = spawn("psql", [conn, "-X", "-v", "ON_ERROR_STOP=1", "-c", `COPY ${table} TO STDOUT`], { stdio: ["ignore", "pipe", "pipe"] });
  const hash = createHash("md5");
  let bytes = 0;
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    hash.update(c);
    bytes += c.length;
  });
  child.stderr.on("data", (c: Buffer) => void (stderr += c.toString("utf8")));
  const code = await new Promise<number | null>((resolve, reject) => child.once("error", reject).once("close", resolve));
  return { md5: hash.digest("hex"), bytes, code, stderr };
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

function rate(seconds: number): string {
  return `${seconds.toFixed(2)} s (${(fileBytes / MB / seconds).toFixed(0)} MB/s)`;
}

beforeAll(async () => {
  world = await startPostgresWorld();
  file = join(world.dir, "copy.tsv");
  fileMd5 = writeCopyFile(file);
}, 180_000);

afterAll(async () => {
  await world?.close();
});

describe("bulk transfer", () => {
  test("100 MB COPY in and out through the proxy arrives intact", async () => {
    const viaProxy = world.via(ALPHA_HOST);
    const direct = world.direct(world.alpha, ALPHA_HOST);
    const create = await psql(viaProxy, "CREATE TABLE bulk (id int, payload text); CREATE TABLE bulk_direct (id int, payload text)");
    expect(create.code).toBe(0);

    const copyIn = await timed(() => psql(viaProxy, "COPY bulk FROM STDIN", { stdinFile: file }));
    expect(copyIn.result.stderr).toBe("");
    expect(copyIn.result.stdout.trim()).toBe(`COPY ${rows}`);
    const counted = await psql(viaProxy, "SELECT count(*), sum(length(payload)) FROM bulk");
    expect(counted.stdout.trim()).toBe(`${rows}|${rows * PAYLOAD_HEX}`);

    const copyOut = await timed(() => copyOutMd5(viaProxy, "bulk"));
    expect(copyOut.result.stderr).toBe("");
    expect(copyOut.result.code).toBe(0);
    expect(copyOut.result.bytes).toBe(fileBytes);
    expect(copyOut.result.md5).toBe(fileMd5);

    // The same transfers without the proxy, for comparison in the log.
    const directIn = await timed(() => psql(direct, "COPY bulk_direct FROM STDIN", { stdinFile: file }));
    expect(directIn.result.stdout.trim()).toBe(`COPY ${rows}`);
    const directOut = await timed(() => copyOutMd5(direct, "bulk_direct"));
    expect(directOut.result.md5).toBe(fileMd5);
    console.log(
      `COPY of ${(fileBytes / MB).toFixed(1)} MB (${rows} rows, TLS): ` +
        `in via Courier ${rate(copyIn.seconds)}, direct ${rate(directIn.seconds)}; ` +
        `out via Courier ${rate(copyOut.seconds)}, direct ${rate(directOut.seconds)}`,
    );
  }, 240_000);
});
