// Entry point that runs one demo TLS backend (demo/tlsBackend.ts) as its own process,
// so a test can start it inside a network namespace with `ip netns exec`.
//   bun test/helpers/tlsBackendMain.ts NAME CERT_FILE KEY_FILE HOST PORT
// Prints "listening HOST:PORT" once it accepts connections; exits on SIGTERM.
import { readFileSync } from "node:fs";
import { startTlsBackend } from "../../demo/tlsBackend.ts";

const [name, certFile, keyFile, host, port] = process.argv.slice(2);
if (name === undefined || certFile === undefined || keyFile === undefined || host === undefined || port === undefined) {
  console.error("usage: tlsBackendMain.ts NAME CERT_FILE KEY_FILE HOST PORT");
  process.exit(2);
}
const backend = await startTlsBackend(name, { certFile, keyFile, cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") }, host, Number(port));
console.log(`listening ${backend.host}:${backend.port}`);
process.on("SIGTERM", () => {
  void backend.close().then(() => process.exit(0));
});
