// Opens an OCI image layout archive the way a runtime does: index.json -> manifest ->
// config and layers, each blob checked against its digest and size, the layers
// unpacked in order into a root filesystem. GNU tar does the unpacking, so the
// archive is read by an implementation other than the one that wrote it.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: { readonly architecture: string; readonly os: string };
}

export interface ImageConfig {
  readonly architecture: string;
  readonly os: string;
  readonly created?: string;
  readonly config: {
    readonly User?: string;
    readonly Env?: readonly string[];
    readonly Entrypoint?: readonly string[];
    readonly Cmd?: readonly string[];
    readonly WorkingDir?: string;
    readonly ExposedPorts?: Readonly<Record<string, object>>;
    readonly Labels?: Readonly<Record<string, string>>;
  };
  readonly rootfs: { readonly type: string; readonly diff_ids: readonly string[] };
}

export interface UnpackedImage {
  readonly layoutDir: string;
  readonly rootfs: string;
  readonly index: { readonly schemaVersion: number; readonly manifests: readonly Descriptor[] };
  readonly manifestDescriptor: Descriptor;
  readonly manifest: { readonly schemaVersion: number; readonly mediaType: string; readonly config: Descriptor; readonly layers: readonly Descriptor[] };
  readonly config: ImageConfig;
  /** `tar -tvzf` of each layer: mode, owner, size, date, name (for ownership checks). */
  readonly layerListings: readonly string[];
}

function tar(args: readonly string[]): string {
  const run = spawnSync("tar", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`tar ${args.join(" ")}: ${run.stderr}`);
  return run.stdout;
}

function blob(layoutDir: string, d: Descriptor): Buffer {
  const [algorithm, hex] = d.digest.split(":");
  if (algorithm !== "sha256" || hex === undefined) throw new Error(`unsupported digest ${d.digest}`);
  const data = readFileSync(join(layoutDir, "blobs", algorithm, hex));
  const actual = `sha256:${createHash("sha256").update(data).digest("hex")}`;
  if (actual !== d.digest || data.length !== d.size) throw new Error(`blob ${d.digest}: content is ${actual}, ${data.length} bytes; descriptor says ${d.size}`);
  return data;
}

/** Unpacks `archive` under `dir`: dir/layout (the OCI layout) and dir/rootfs. */
export function unpackOciArchive(archive: string, dir: string, refName?: string): UnpackedImage {
  const layoutDir = join(dir, "layout");
  const rootfs = join(dir, "rootfs");
  mkdirSync(layoutDir, { recursive: true });
  mkdirSync(rootfs, { recursive: true });
  tar(["-xf", archive, "-C", layoutDir]);
  const layout = JSON.parse(readFileSync(join(layoutDir, "oci-layout"), "utf8")) as { imageLayoutVersion?: string };
  if (layout.imageLayoutVersion !== "1.0.0") throw new Error(`oci-layout: ${JSON.stringify(layout)}`);
  const index = JSON.parse(readFileSync(join(layoutDir, "index.json"), "utf8")) as UnpackedImage["index"];
  const manifestDescriptor = refName === undefined ? index.manifests[0] : index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === refName);
  if (manifestDescriptor === undefined) throw new Error(`index.json has no manifest${refName === undefined ? "" : ` named ${refName}`}`);
  const manifest = JSON.parse(blob(layoutDir, manifestDescriptor).toString("utf8")) as UnpackedImage["manifest"];
  const config = JSON.parse(blob(layoutDir, manifest.config).toString("utf8")) as ImageConfig;
  const layerListings: string[] = [];
  manifest.layers.forEach((layer, i) => {
    const path = join(layoutDir, "blobs", "sha256", layer.digest.slice("sha256:".length));
    const diffId = `sha256:${createHash("sha256").update(gunzipSync(blob(layoutDir, layer))).digest("hex")}`;
    if (diffId !== config.rootfs.diff_ids[i]) throw new Error(`layer ${i}: uncompressed digest ${diffId}, config says ${config.rootfs.diff_ids[i]}`);
    // As root, GNU tar keeps the archive's owners and modes, as a container runtime does.
    tar(["-xzf", path, "-C", rootfs, "--same-owner", "--same-permissions"]);
    layerListings.push(tar(["-tvzf", path, "--numeric-owner"]));
  });
  return { layoutDir, rootfs, index, manifestDescriptor, manifest, config, layerListings };
}
