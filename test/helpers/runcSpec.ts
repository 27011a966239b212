// An OCI runtime spec (a runc bundle's config.json) for running an image the way a
// pod with a restrictive securityContext does: the image's user, a read-only root,
// no capabilities at all, no new privileges, a tmpfs on /tmp (the pod's emptyDir) and
// read-only bind mounts for configuration.
import type { ImageConfig } from "./ociImage.ts";

export interface SpecOptions {
  /** The process's argv; default the image's Entrypoint + Cmd. */
  readonly args?: readonly string[];
  /** Extra environment entries (NAME=value) after the image's. */
  readonly env?: readonly string[];
  /** Host files or folders mounted read-only. */
  readonly readOnlyMounts?: ReadonlyArray<{ readonly host: string; readonly container: string }>;
  /** Share the host's network namespace (reach loopback backends); default a private one. */
  readonly hostNetwork?: boolean;
  readonly memoryLimitBytes?: number;
}

export interface RuntimeSpec {
  readonly ociVersion: string;
  readonly process: object;
  readonly root: { readonly path: string; readonly readonly: boolean };
  readonly hostname: string;
  readonly mounts: readonly object[];
  readonly linux: object;
}

/** "65532:65532" -> numbers; names would need the image's /etc/passwd, which Kubernetes does not read either. */
export function numericUser(user: string | undefined): { uid: number; gid: number } {
  const match = /^(\d+)(?::(\d+))?$/.exec(user ?? "");
  if (match === null) throw new Error(`image User must be numeric uid[:gid], not ${JSON.stringify(user)}`);
  return { uid: Number(match[1]), gid: Number(match[2] ?? match[1]) };
}

export function runtimeSpec(image: ImageConfig, options: SpecOptions = {}): RuntimeSpec {
  const { uid, gid } = numericUser(image.config.User);
  const args = options.args ?? [...(image.config.Entrypoint ?? []), ...(image.config.Cmd ?? [])];
  if (args.length === 0) throw new Error("nothing to run: no args and no Entrypoint/Cmd in the image");
  const noCapabilities = { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] };
  const namespaces = [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, ...(options.hostNetwork === true ? [] : [{ type: "network" }])];
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid, gid, additionalGids: [gid] },
      args,
      env: [...(image.config.Env ?? []), "HOSTNAME=courier", ...(options.env ?? [])],
      cwd: image.config.WorkingDir ?? "/",
      capabilities: noCapabilities,
      noNewPrivileges: true,
    },
    root: { path: "rootfs", readonly: true },
    hostname: "courier",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
      { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] },
      { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
      { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
      { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
      { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777", "size=65536k"] },
      ...(options.readOnlyMounts ?? []).map((m) => ({ destination: m.container, type: "bind", source: m.host, options: ["rbind", "ro", "nosuid", "nodev"] })),
    ],
    linux: {
      namespaces,
      ...(options.memoryLimitBytes === undefined ? {} : { resources: { memory: { limit: options.memoryLimitBytes } } }),
      maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}
