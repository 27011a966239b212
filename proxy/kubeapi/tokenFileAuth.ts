// A kubeconfig user's `tokenFile` (client-go's key), which client-node 1.4.0 does not
// read: the bearer token is re-read every minute, as client-go does, because projected
// and vault-issued tokens are rotated in place.
import { readFileSync } from "node:fs";
import type { User } from "@kubernetes/client-node";
// The interface KubeConfig.addAuthenticator takes; the package index does not re-export it.
import type { Authenticator } from "@kubernetes/client-node/dist/auth.js";

const REREAD_MS = 60_000;

type RequestOptions = Parameters<Authenticator["applyAuthentication"]>[1];

export class TokenFileAuth implements Authenticator {
  private readonly read = new Map<string, { readonly token: string; readonly at: number }>();

  /** `files`: the token file of each user name that has one. */
  constructor(
    private readonly files: ReadonlyMap<string, string>,
    private readonly now: () => number = Date.now,
  ) {}

  isAuthProvider(user: User): boolean {
    return this.files.has(user.name);
  }

  async applyAuthentication(user: User, opts: RequestOptions): Promise<void> {
    const file = this.files.get(user.name);
    if (file === undefined) return;
    let cached = this.read.get(user.name);
    if (cached === undefined || this.now() - cached.at > REREAD_MS) {
      cached = { token: readFileSync(file, "utf8").trim(), at: this.now() };
      this.read.set(user.name, cached);
    }
    if (cached.token === "") return;
    opts.headers = { ...opts.headers, Authorization: `Bearer ${cached.token}` };
  }
}
