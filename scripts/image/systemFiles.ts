// The few system files a shell-less image needs, written here (user and group names
// for uid/gid 65532, name lookup order) or taken from this machine's Debian packages
// (their copyright files travel with the libraries and CA bundle we copy).
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { NONROOT_ID } from "./imageSpec.ts";

/** /etc/passwd and /etc/group: ids resolve to names (logs, `id`-style tools); no login shell. */
export function passwdFile(): string {
  return [`root:x:0:0:root:/root:/sbin/nologin`, `nonroot:x:${NONROOT_ID}:${NONROOT_ID}:nonroot:/nonexistent:/sbin/nologin`, ""].join("\n");
}

export function groupFile(): string {
  return [`root:x:0:`, `nonroot:x:${NONROOT_ID}:`, ""].join("\n");
}

/** glibc reads this for getaddrinfo; without it the defaults differ between versions. */
export function nsswitchFile(): string {
  return ["passwd: files", "group: files", "hosts: files dns", ""].join("\n");
}

/** The Debian package that installed a file, e.g. "libc6" for libc.so.6. */
export function owningPackage(path: string): string | undefined {
  for (const candidate of new Set([path, realpathSync(path)])) {
    // dpkg records paths as installed (/lib vs /usr/lib on merged-/usr systems): try both spellings.
    for (const spelling of new Set([candidate, candidate.replace(/^\/usr\//, "/"), `/usr${candidate}`])) {
      const run = spawnSync("dpkg", ["-S", spelling], { encoding: "utf8" });
      if (run.status === 0) {
        const name = run.stdout.split(":")[0]?.trim();
        if (name !== undefined && name !== "") return name;
      }
    }
  }
  return undefined;
}

/** /usr/share/doc/<package>/copyright for each package, where present. */
export function copyrightFiles(packages: Iterable<string>): string[] {
  return [...new Set(packages)]
    .sort()
    .map((p) => `/usr/share/doc/${p}/copyright`)
    .filter((p) => existsSync(p));
}
