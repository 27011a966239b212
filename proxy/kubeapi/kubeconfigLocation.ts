// Where the cluster's configuration comes from, by kubectl's rules: --kubeconfig, else
// the files of KUBECONFIG (merged), else ~/.kube/config, else the pod's service
// account. Only looks at names and files' existence (no package is loaded), so file
// mode can decide it is file mode cheaply.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export type KubeconfigLocation =
  | { readonly kind: "files"; readonly files: readonly string[]; readonly origin: "--kubeconfig" | "KUBECONFIG" | "~/.kube/config" }
  | { readonly kind: "in-cluster" };

export type Located = { readonly location: KubeconfigLocation | undefined; readonly why: string } | { readonly error: string };

export interface LocateInputs {
  /** --kubeconfig as given: a path, or "in-cluster". */
  readonly kubeconfig: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Injected for tests; default: the file system. */
  readonly exists?: (path: string) => boolean;
  /** Default: $HOME, else the user database's home. */
  readonly home?: string;
}

/** The configuration to load, and why; `location` undefined when none is found. */
export function locateKubeconfig(inputs: LocateInputs): Located {
  const exists = inputs.exists ?? existsSync;
  const flag = inputs.kubeconfig;
  if (flag === "in-cluster") return inCluster(inputs.env, exists, "--kubeconfig in-cluster");
  if (flag !== undefined) {
    // An explicit file must exist (kubectl refuses a missing --kubeconfig too).
    if (!exists(flag)) return { error: `--kubeconfig ${flag}: no such file` };
    return { location: { kind: "files", files: [flag], origin: "--kubeconfig" }, why: `--kubeconfig ${flag}` };
  }
  const listed = (inputs.env.KUBECONFIG ?? "").split(delimiter).filter((f) => f !== "");
  if (listed.length > 0) {
    // kubectl skips the listed files that do not exist; none at all is a mistake worth
    // stopping for, not a reason to fall silently into another mode.
    const files = listed.filter((f) => exists(f));
    if (files.length === 0) return { error: `KUBECONFIG=${inputs.env.KUBECONFIG} names no existing file` };
    const skipped = listed.length - files.length;
    return { location: { kind: "files", files, origin: "KUBECONFIG" }, why: `KUBECONFIG=${files.join(delimiter)}${files.length > 1 ? ` (${files.length} files merged)` : ""}${skipped > 0 ? ` (${skipped} missing file(s) skipped)` : ""}` };
  }
  const home = inputs.home ?? (inputs.env.HOME !== undefined && inputs.env.HOME !== "" ? inputs.env.HOME : homedir());
  const homeConfig = join(home, ".kube", "config");
  if (home !== "" && exists(homeConfig)) return { location: { kind: "files", files: [homeConfig], origin: "~/.kube/config" }, why: homeConfig };
  if (inputs.env.KUBERNETES_SERVICE_HOST !== undefined) return inCluster(inputs.env, exists, "in a pod (KUBERNETES_SERVICE_HOST is set)");
  return { location: undefined, why: `no --kubeconfig, KUBECONFIG unset, no ${homeConfig}, not in a pod` };
}

function inCluster(env: LocateInputs["env"], exists: (path: string) => boolean, why: string): Located {
  if (env.KUBERNETES_SERVICE_HOST === undefined) return { error: `${why}: not in a cluster (KUBERNETES_SERVICE_HOST is not set)` };
  // automountServiceAccountToken: false leaves no token: say so now, not as 401s later.
  if (!exists(join(SERVICE_ACCOUNT_DIR, "token"))) return { error: `${why}, but ${SERVICE_ACCOUNT_DIR}/token is missing (automountServiceAccountToken: false?); pass --kubeconfig FILE, or --manifests DIR for file mode` };
  return { location: { kind: "in-cluster" }, why: `${why}: the pod's service account` };
}
