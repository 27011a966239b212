// A throwaway certificate authority and server certificates made with the openssl
// command line, so tests and the demo use real X.509 chains.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface IssuedCert {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export interface Pki {
  readonly dir: string;
  readonly caFile: string;
  readonly ca: string;
  issue(name: string, dnsNames: readonly string[]): IssuedCert;
}

function openssl(args: readonly string[], cwd: string): void {
  const run = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${run.stderr}`);
}

/** Creates a CA in `dir` (made if missing). Certificates use P-256 keys: quick to make. */
export function createPki(dir: string, caName = "Courier Test CA"): Pki {
  mkdirSync(dir, { recursive: true });
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", `/CN=${caName}`], dir);
  const caFile = join(dir, "ca.crt");
  return {
    dir,
    caFile,
    ca: readFileSync(caFile, "utf8"),
    issue(name, dnsNames) {
      const ext = join(dir, `${name}.ext`);
      writeFileSync(ext, `subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(",")}\nextendedKeyUsage=serverAuth\n`);
      openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${dnsNames[0] ?? name}`], dir);
      openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "365", "-extfile", ext], dir);
      const certFile = join(dir, `${name}.crt`);
      const keyFile = join(dir, `${name}.key`);
      return { certFile, keyFile, cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
    },
  };
}
