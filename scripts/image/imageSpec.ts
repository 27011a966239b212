// What the proxy image is: its name, where things live inside it, and its OCI config.
// The Dockerfile at the repository root repeats USER/WORKDIR/ENV/ENTRYPOINT/CMD/EXPOSE/
// LABEL; test/image/ checks that both say the same.
import { DEFAULT_COURIER_IMAGE } from "../../src/constants.ts";

/** The image reference, the same string CourierProxy puts into the Deployment. */
export const IMAGE_NAME = DEFAULT_COURIER_IMAGE;
export const IMAGE_TAG = IMAGE_NAME.slice(IMAGE_NAME.lastIndexOf(":") + 1);

/** The uid/gid of the pod's securityContext (runAsUser/runAsGroup). */
export const NONROOT_ID = 65532;

/** Paths inside the image. */
export const BUN_PATH = "/usr/local/bin/bun";
/** The Deployment's command is `courier serve`: an executable named courier on PATH. */
export const COURIER_PATH = "/usr/local/bin/courier";
export const APP_DIR = "/app";
export const CLI_PATH = `${APP_DIR}/proxy/bin/courier.ts`;
export const CA_BUNDLE_PATH = "/etc/ssl/certs/ca-certificates.crt";

/** Where `npm run image` writes, relative to the repository root (git-ignored). */
export const OUTPUT_DIR = ".cache/image";
export const ARCHIVE_NAME = "courier.oci.tar";
export const ROOTFS_NAME = "rootfs";
export const SUMMARY_NAME = "courier.oci.json";

/** The `config` object of the OCI image configuration. */
export interface ImageRunConfig {
  readonly User: string;
  readonly Env: readonly string[];
  readonly Entrypoint: readonly string[];
  readonly Cmd: readonly string[];
  readonly WorkingDir: string;
  readonly ExposedPorts: Readonly<Record<string, Record<string, never>>>;
  readonly Labels: Readonly<Record<string, string>>;
}

export function imageRunConfig(): ImageRunConfig {
  return {
    User: `${NONROOT_ID}:${NONROOT_ID}`,
    Env: [
      "PATH=/usr/local/bin:/usr/bin:/bin",
      // Read by OpenSSL-style clients; Bun also carries its own root store.
      `SSL_CERT_FILE=${CA_BUNDLE_PATH}`,
      "NODE_ENV=production",
      // The root filesystem is read-only in the pod: keep Bun from writing a transpiler cache.
      "BUN_RUNTIME_TRANSPILER_CACHE_PATH=0",
    ],
    Entrypoint: [COURIER_PATH],
    Cmd: ["serve"],
    WorkingDir: APP_DIR,
    ExposedPorts: { "443/tcp": {}, "9090/tcp": {} },
    Labels: {
      "org.opencontainers.image.title": "courier",
      "org.opencontainers.image.description": "Courier: an SNI passthrough gateway for Kubernetes",
      "org.opencontainers.image.version": IMAGE_TAG,
      "org.opencontainers.image.licenses": "Apache-2.0",
    },
  };
}
