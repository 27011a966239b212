// `npm run image`: builds the proxy image offline from parts this checkout already has
// and writes it as an OCI image layout archive. Prints name, digest and sizes.
//   --out DIR   output folder (default .cache/image): DIR/courier.oci.tar, DIR/rootfs/
//   --force     rebuild the archive even if the root filesystem and config are unchanged
// SOURCE_DATE_EPOCH (seconds) sets every timestamp in the image; default 0.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ARCHIVE_NAME, IMAGE_NAME, imageRunConfig, OUTPUT_DIR, ROOTFS_NAME, SUMMARY_NAME } from "./imageSpec.ts";
import { imageConfigJson, layerTar, ociArchive, sha256 } from "./ociArchive.ts";
import { prepareRootfs } from "./rootfs.ts";
import { rootfsEntries } from "./rootfsEntries.ts";

/** What the build printed, also written next to the archive as JSON. */
export interface ImageSummary {
  readonly name: string;
  readonly manifestDigest: string;
  readonly configDigest: string;
  readonly layerDigest: string;
  readonly diffId: string;
  readonly uncompressedBytes: number;
  readonly compressedBytes: number;
  readonly archiveBytes: number;
  readonly bunBytes: number;
  readonly bunVersion: string;
  readonly packages: readonly string[];
  readonly libraries: readonly string[];
  readonly sourceDirs: readonly string[];
  readonly epoch: number;
}

const root = resolve(import.meta.dir, "../..");

function option(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

function readSummary(path: string): ImageSummary | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as ImageSummary;
  } catch {
    return undefined;
  }
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export function buildImage(outDir: string, force: boolean, epoch: number): { summary: ImageSummary; reused: boolean } {
  mkdirSync(outDir, { recursive: true });
  const rootfs = prepareRootfs(root, join(outDir, ROOTFS_NAME), epoch);
  const layer = layerTar(rootfsEntries(rootfs.dir), epoch);
  const configJson = imageConfigJson(imageRunConfig(), layer.diffId, epoch);
  const archivePath = join(outDir, ARCHIVE_NAME);
  const summaryPath = join(outDir, SUMMARY_NAME);
  const previous = readSummary(summaryPath);
  // The config names the layer by content (diff_id), so one digest covers every input.
  if (!force && previous?.configDigest === sha256(configJson) && previous.name === IMAGE_NAME && existsSync(archivePath) && statSync(archivePath).size === previous.archiveBytes) {
    return { summary: previous, reused: true };
  }
  const image = ociArchive(IMAGE_NAME, layer, configJson, epoch);
  // Written under a temporary name and renamed, so a reader never sees half an archive.
  writeFileSync(`${archivePath}.partial`, image.archive);
  renameSync(`${archivePath}.partial`, archivePath);
  const summary: ImageSummary = {
    name: IMAGE_NAME,
    manifestDigest: image.manifest.digest,
    configDigest: image.config.digest,
    layerDigest: image.layer.digest,
    diffId: image.diffId,
    uncompressedBytes: image.uncompressedLayerBytes,
    compressedBytes: image.layer.size + image.config.size + image.manifest.size,
    archiveBytes: image.archive.length,
    bunBytes: statSync(join(rootfs.dir, "usr/local/bin/bun")).size,
    bunVersion: rootfs.bunVersion,
    packages: rootfs.packages.map((p) => `${p.name}@${p.version}`),
    libraries: rootfs.libraries,
    sourceDirs: rootfs.sourceDirs,
    epoch,
  };
  writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  return { summary, reused: false };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const outDir = resolve(root, option(args, "--out") ?? OUTPUT_DIR);
  const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? "0");
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`SOURCE_DATE_EPOCH must be a whole number of seconds, not ${process.env.SOURCE_DATE_EPOCH}`);
  const started = Date.now();
  const { summary: s, reused } = buildImage(outDir, args.includes("--force"), epoch);
  const where = relative(root, outDir) || ".";
  console.log(`image         ${s.name}${reused ? " (unchanged, archive reused)" : ""}`);
  console.log(`digest        ${s.manifestDigest}`);
  console.log(`archive       ${join(where, ARCHIVE_NAME)} (${mb(s.archiveBytes)}, OCI image layout)`);
  console.log(`uncompressed  ${mb(s.uncompressedBytes)} (${s.uncompressedBytes} bytes, layer tar)`);
  console.log(`compressed    ${mb(s.compressedBytes)} (${s.compressedBytes} bytes, gzip layer + config + manifest: what a node pulls)`);
  console.log(`bun           ${s.bunVersion}, ${mb(s.bunBytes)} of the uncompressed size`);
  console.log(`app           ${s.sourceDirs.join(", ")}; npm packages: ${s.packages.join(", ") || "none"}`);
  console.log(`libraries     ${s.libraries.join(" ")}`);
  console.log(`rootfs        ${join(where, ROOTFS_NAME)}  (docker build -f Dockerfile -t ${s.name} ${where})`);
  console.log(`took          ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
