// File mode or cluster mode, and why. Cluster mode whenever a cluster configuration is
// found (--kubeconfig, KUBECONFIG, ~/.kube/config, or a pod's service account); file
// mode when --manifests asks for it or nothing is found. The reason is logged at start:
// a Courier that silently picked the other mode is the mistake this prevents.
import { locateKubeconfig, type KubeconfigLocation } from "../kubeapi/kubeconfigLocation.ts";

export type Mode =
  | { readonly kind: "files"; readonly why: string }
  | { readonly kind: "cluster"; readonly location: KubeconfigLocation; readonly context: string | undefined; readonly why: string };

export interface ModeFlags {
  /** --kubeconfig as given (a path, or "in-cluster"). */
  readonly kubeconfig: string | undefined;
  /** --context as given. */
  readonly context: string | undefined;
  /** Whether --manifests was given (its default applies in file mode only). */
  readonly manifestsGiven: boolean;
}

export function chooseMode(flags: ModeFlags, env: Readonly<Record<string, string | undefined>>, exists?: (path: string) => boolean, home?: string): Mode | { readonly error: string } {
  if (flags.manifestsGiven) {
    if (flags.kubeconfig !== undefined) return { error: "--manifests (file mode) and --kubeconfig (cluster mode) exclude each other" };
    if (flags.context !== undefined) return { error: "--context selects a kubeconfig context: it has no meaning with --manifests (file mode)" };
    return { kind: "files", why: "--manifests given" };
  }
  const located = locateKubeconfig({ kubeconfig: flags.kubeconfig, env, ...(exists === undefined ? {} : { exists }), ...(home === undefined ? {} : { home }) });
  if ("error" in located) return located;
  if (located.location === undefined) {
    if (flags.context !== undefined) return { error: `--context ${flags.context}: no kubeconfig found (${located.why})` };
    return { kind: "files", why: located.why };
  }
  if (located.location.kind === "in-cluster" && flags.context !== undefined) return { error: `--context ${flags.context}: the in-cluster configuration has no contexts` };
  return { kind: "cluster", location: located.location, context: flags.context, why: located.why };
}
