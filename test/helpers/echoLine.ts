// A line sent on an echoing TLS session (the test backends echo what they read),
// for tests that check an established stream still flows.
import type { TlsSession } from "./tlsClient.ts";

/** Sends a line on an echoing session and waits for it to come back. */
export async function echoLine(session: TlsSession, line: string): Promise<string> {
  return await new Promise<string>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`no echo of ${line}`)), 5_000);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString("latin1");
      if (text.includes("\n")) {
        clearTimeout(timer);
        session.socket.off("data", onData);
        resolve(text.trim());
      }
    };
    session.socket.on("data", onData);
    session.socket.write(`${line}\n`);
  });
}
