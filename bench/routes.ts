// The benchmark's routing table, the same for every proxy: one SNI per backend kind.
export type BackendKind = "sink" | "echo" | "once" | "tls";

export const BACKEND_KINDS: readonly BackendKind[] = ["sink", "echo", "once", "tls"];

export type BackendPorts = Readonly<Record<BackendKind, number>>;

export function sniFor(kind: BackendKind): string {
  return `${kind}.bench.test`;
}
