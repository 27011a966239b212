// What the fuzz row feeds: each target is a seed corpus of valid inputs and the call
// Courier makes on such bytes. A target returns how it ended ("done", or the clean
// error's kind); a thrown exception is what the row counts.
import { parse as parseYaml, stringify, YAMLError } from "yaml";
import { ClientHelloReader } from "../../proxy/dataplane/clienthello/clientHello.ts";
import { nextPreambleStep, SSL_REQUEST } from "../../proxy/dataplane/postgresPreamble.ts";
import { endpointsFileObjects } from "../../proxy/sources/file/endpointsFile.ts";
import { parseManifestText, QUIET_YAML } from "../../proxy/sources/file/manifestFiles.ts";
import { normalizeObjects } from "../../proxy/sources/normalize/normalize.ts";
import { clientHello, handshake, helloBody, recordsEvenly } from "../../test/proxy/dataplane/clienthello/clientHelloBuilder.ts";
import { COURIER_CLASS, endpointsDocument, gatewayManifest, routeManifest } from "../../test/helpers/manifests.ts";
import { chunkings, type Random } from "./mutate.ts";

export interface FuzzTarget {
  readonly name: string;
  readonly corpus: readonly Uint8Array[];
  /** Feeds one input; returns its outcome's kind. */
  feed(input: Uint8Array, random: Random): string;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decoder = new TextDecoder();

export const helloTarget: FuzzTarget = {
  name: "ClientHello reader",
  corpus: [
    clientHello({ serverName: "echo.example.com" }),
    clientHello({ serverName: "db.example.com", alpn: ["h2", "http/1.1"], versions: [0x0304, 0x0303] }),
    clientHello({ serverName: "pad.example.com", padding: 600 }),
    recordsEvenly(handshake(helloBody({ serverName: "split.example.com", alpn: ["postgresql"] })), 4),
    clientHello({ noExtensions: true }),
  ],
  feed(input, random) {
    const reader = new ClientHelloReader();
    let progress: string = "need-more";
    for (const chunk of chunkings(input, random)) {
      const p = reader.push(chunk);
      progress = p.state === "rejected" ? `rejected:${p.reason}` : p.state;
    }
    return progress;
  },
};

export const postgresTarget: FuzzTarget = {
  name: "PostgreSQL preamble",
  corpus: [
    Uint8Array.from([...SSL_REQUEST, ...clientHello({ serverName: "db.example.com", alpn: ["postgresql"] })]),
    Uint8Array.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30, ...SSL_REQUEST]),
    Uint8Array.from([0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 1, 2, 3, 4, 5, 6, 7, 8]),
  ],
  feed(input) {
    // As the connection does: answer a request, skip it, look again at what follows.
    let at = 0;
    for (let answered = 0; at < input.length; answered++) {
      const step = nextPreambleStep(input.subarray(at), answered);
      if (step !== "accept-ssl" && step !== "refuse-gssenc") return step;
      at += 8;
    }
    return "need-more";
  },
};

const goodManifest = [
  COURIER_CLASS,
  gatewayManifest("gw", [{ name: "tls", port: 443 }, { name: "db", port: 5432, hostname: "*.db.example.com" }]),
  routeManifest({ name: "echo", hostnames: ["echo.example.com", "*.apps.example.com"], backends: [{ name: "echo", port: 443, weight: 3 }, { name: "other", port: 8443 }], annotations: { "courier.dev/proxy-protocol": "v2" } }),
]
  .map((o) => stringify(o))
  .join("---\n");

export const manifestTarget: FuzzTarget = {
  name: "manifest loader",
  corpus: [text(goodManifest), text(JSON.stringify(routeManifest({ name: "json", hostnames: ["json.example.com"], backends: [{ name: "b", port: 443 }] })))],
  feed(input) {
    const parsed = parseManifestText(decoder.decode(input), "fuzz.yaml");
    const normalized = normalizeObjects(parsed.objects.map((o) => ({ ...o, strict: true })));
    return parsed.errors.length + normalized.errors.length > 0 ? "errors" : "loaded";
  },
};

export const endpointsTarget: FuzzTarget = {
  name: "endpoints file parser",
  corpus: [
    text(stringify(endpointsDocument([{ name: "echo", port: 443, endpoints: ["127.0.0.1:9443", "[::1]:9443"] }, { name: "db", namespace: "data", port: 5432, endpoints: ["10.0.0.7:5432"] }]))),
  ],
  feed(input) {
    let document: unknown;
    try {
      document = parseYaml(decoder.decode(input), QUIET_YAML);
    } catch (error) {
      // The loader reports any failure to parse with the file's name: a clean error.
      // (The YAML library throws ReferenceError, not YAMLError, for a bad alias.)
      return error instanceof YAMLError ? "invalid-yaml" : `invalid-yaml:${(error as Error).name}`;
    }
    return endpointsFileObjects(document).errors.length > 0 ? "errors" : "loaded";
  },
};
