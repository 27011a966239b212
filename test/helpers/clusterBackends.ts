// TLS backends for cluster-mode tests: a scratch directory with a CA, a network
// namespace (the API server refuses loopback endpoint addresses) and one backend per
// address inside it, each greeting with its name on port 8443.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPki, type Pki } from "../../demo/pki.ts";
import { createBackendNet, type BackendNet } from "./netnsBackends.ts";

export interface ClusterBackendSpec {
  /** The name the backend greets clients with. */
  readonly name: string;
  /** Names on its certificate. */
  readonly dnsNames: readonly string[];
  /** Name of its certificate; default: the backend's name. */
  readonly certName?: string;
}

export interface ClusterBackends {
  /** Scratch directory of the test (the CA is in its pki/ subdirectory); removed by close(). */
  readonly dir: string;
  readonly pki: Pki;
  readonly net: BackendNet;
  /** Address of each backend by name (its port is 8443). */
  readonly address: Readonly<Record<string, string>>;
  /** Stops the backends, removes the network namespace and the scratch directory. */
  close(): Promise<void>;
}

/** Starts one backend per spec at the network namespace's addresses, in order. */
export async function startClusterBackends(prefix: string, specs: readonly ClusterBackendSpec[]): Promise<ClusterBackends> {
  const dir = mkdtempSync(join(tmpdir(), `courier-${prefix}-`));
  const pki = createPki(join(dir, "pki"));
  let net: BackendNet | undefined;
  try {
    net = await createBackendNet(specs.length);
    const address: Record<string, string> = {};
    for (const [i, spec] of specs.entries()) {
      address[spec.name] = (await net.startBackend(spec.name, pki.issue(spec.certName ?? spec.name, spec.dnsNames), net.addresses[i]!, 8443)).address;
    }
    const started = net;
    return {
      dir,
      pki,
      net: started,
      address,
      async close() {
        await started.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await net?.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
