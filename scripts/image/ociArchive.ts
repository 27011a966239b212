// Writes an OCI image layout (oci-layout, index.json, blobs/sha256/...) as one tar:
// a single gzip layer, the image config, the manifest, and an index whose annotations
// name the image. Content-addressed and built from deterministic parts, so the same
// root filesystem and config give the same manifest digest.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { ImageRunConfig } from "./imageSpec.ts";
import { writeTar, type TarEntry } from "./tar.ts";

export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

export interface OciImage {
  readonly archive: Buffer;
  readonly manifest: Descriptor;
  readonly config: Descriptor;
  readonly layer: Descriptor;
  /** sha256 of the uncompressed layer tar (the config's rootfs.diff_ids entry). */
  readonly diffId: string;
  readonly uncompressedLayerBytes: number;
}

export function sha256(data: Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

function descriptor(mediaType: string, data: Uint8Array): Descriptor {
  return { mediaType, digest: sha256(data), size: data.length };
}

/** The image configuration JSON (OCI image spec, "application/vnd.oci.image.config.v1+json"). */
export function imageConfigJson(run: ImageRunConfig, diffId: string, epoch: number): Buffer {
  const created = new Date(epoch * 1000).toISOString();
  const config = {
    created,
    architecture: process.arch === "x64" ? "amd64" : process.arch,
    os: "linux",
    config: run,
    rootfs: { type: "layers", diff_ids: [diffId] },
    history: [{ created, created_by: "npm run image (scripts/image/build.ts)" }],
  };
  return Buffer.from(JSON.stringify(config));
}

export interface LayerBlob {
  readonly tar: Buffer;
  readonly diffId: string;
}

export function layerTar(entries: readonly TarEntry[], epoch: number): LayerBlob {
  const tar = writeTar(entries, epoch);
  return { tar, diffId: sha256(tar) };
}

export function ociArchive(name: string, layer: LayerBlob, configJson: Buffer, epoch: number): OciImage {
  // Level 9: smallest pull; a few seconds for the ~100 MB Bun binary.
  const gz = gzipSync(layer.tar, { level: 9 });
  const layerDesc = descriptor(MEDIA_TYPES.layer, gz);
  const configDesc = descriptor(MEDIA_TYPES.config, configJson);
  const manifestJson = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.manifest, config: configDesc, layers: [layerDesc] }));
  const manifestDesc = descriptor(MEDIA_TYPES.manifest, manifestJson);
  const configObject = JSON.parse(configJson.toString("utf8")) as { architecture: string; os: string };
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [
      {
        ...manifestDesc,
        platform: { architecture: configObject.architecture, os: configObject.os },
        // Full reference in both: `docker load` and `ctr import` read the containerd one, other tools ref.name.
        annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": name },
      },
    ],
  };
  const blobs = [
    { digest: layerDesc.digest, data: gz },
    { digest: configDesc.digest, data: configJson },
    { digest: manifestDesc.digest, data: manifestJson },
  ].sort((a, b) => (a.digest < b.digest ? -1 : 1));
  const entries: TarEntry[] = [
    { type: "dir", path: "blobs", mode: 0o755 },
    { type: "dir", path: "blobs/sha256", mode: 0o755 },
    ...blobs.map((b): TarEntry => ({ type: "file", path: `blobs/sha256/${b.digest.slice("sha256:".length)}`, mode: 0o644, data: b.data })),
    { type: "file", path: "index.json", mode: 0o644, data: Buffer.from(JSON.stringify(index)) },
    { type: "file", path: "oci-layout", mode: 0o644, data: Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })) },
  ];
  return {
    archive: writeTar(entries, epoch),
    manifest: manifestDesc,
    config: configDesc,
    layer: layerDesc,
    diffId: layer.diffId,
    uncompressedLayerBytes: layer.tar.length,
  };
}
