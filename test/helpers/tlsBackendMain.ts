// Entry point that runs one demo TLS backend (demo/tlsBackend.ts) as its own process,
// so a test can start it inside a network namespace with `ip netns exec`.
//   bun test/helpers/tlsBackendMain.ts NAME CERT_FILE KEY_FILE HOST PORT [OWNER_PID]
// Prints "listening HOST:PORT" once it accepts connections; exits on SIGTERM, and when
// the owner process is gone (a test process that died must not leave servers behind:
// `bun test` runs no exit handlers).
import { readFileSync } from "node:fs";
import { startTlsBackend } from "../../demo/tlsBackend.ts";

const [name, certFile, keyFile, host, port, owner] = process.argv.slice(2);
if (name === undefined || certFile === undefined || keyFile === undefined || host === undefined || port === undefined) {
  console.error("usage: tlsBackendMain.ts NAME CERT_FILE KEY_FILE HOST PORT [OWNER_PID]");
  process.exit(2);
}
const backend = await startTlsBackend(name, { certFile, keyFile, cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") }, host, Number(port));
console.log(`listening ${backend.host}:${backend.port}`);
if (owner !== undefined) {
  setInterval(() => {
    try {
      process.kill(Number(owner), 0);
    } catch {
      process.exit(0);
    }
  }, 1_000);
}
process.on("SIGTERM", () => {
  void backend.close().then(() => process.exit(0));
});
