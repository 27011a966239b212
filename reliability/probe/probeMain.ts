// The probe process: an echo backend and one real TLS client through Courier, in a
// process of their own so the suite's own work (thousands of sockets, file writes)
// does not show up as Courier's latency. Protocol: probeProtocol.ts.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { startTlsBackend } from "../../demo/tlsBackend.ts";
import { ConnectLoop } from "./connectLoop.ts";
import { PingPong } from "./pingPong.ts";
import type { ProbeClient, ProbeConfig } from "./probeProtocol.ts";

const config = JSON.parse(process.argv[2] ?? "{}") as ProbeConfig;
const cert = { certFile: config.certFile, keyFile: config.keyFile, cert: readFileSync(config.certFile, "utf8"), key: readFileSync(config.keyFile, "utf8") };
const backend = await startTlsBackend("probe", cert, "127.0.0.1", config.backendPort);
const client: ProbeClient = config.mode === "ping-pong" ? new PingPong(config) : new ConnectLoop(config);
process.stdout.write("ready\n");

for await (const line of createInterface({ input: process.stdin })) {
  if (line === "start") client.start();
  else if (line === "window") process.stdout.write(`${JSON.stringify(client.window())}\n`);
  else if (line === "stop") break;
}
await client.stop();
process.stdout.write(`${JSON.stringify(client.window())}\n`);
await backend.close();
process.exit(0);
