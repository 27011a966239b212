import { describe, expect, test } from "bun:test";
import {
  MAX_REQUESTS,
  SSL_REQUEST,
  classifyPostgresPreamble,
  nextPreambleStep,
  postgresRejectDetail,
  serverAcceptsSsl,
} from "../../../proxy/dataplane/postgresPreamble.ts";

function message(length: number, code: number, extra = 0): Uint8Array {
  const bytes = new Uint8Array(8 + extra);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, length);
  view.setUint32(4, code);
  return bytes;
}

describe("PostgreSQL preamble", () => {
  test("recognises the SSLRequest, GSSENCRequest, CancelRequest and a startup message", () => {
    expect(classifyPostgresPreamble(SSL_REQUEST)).toBe("ssl-request");
    expect(classifyPostgresPreamble(message(8, 80877104))).toBe("gssenc-request");
    expect(classifyPostgresPreamble(message(16, 80877102, 8))).toBe("cancel-request");
    expect(classifyPostgresPreamble(message(40, 0x00030000, 32))).toBe("startup-message");
  });

  test("waits for 8 bytes, but gives up at once on bytes no PostgreSQL client sends first", () => {
    expect(classifyPostgresPreamble(SSL_REQUEST.subarray(0, 5))).toBe("need-more");
    expect(classifyPostgresPreamble(new TextEncoder().encode("GET / HTTP/1.1\r\n"))).toBe("not-postgres");
    expect(classifyPostgresPreamble(new TextEncoder().encode("G"))).toBe("not-postgres");
    expect(classifyPostgresPreamble(message(8, 12345))).toBe("not-postgres");
  });
});

describe("PostgreSQL preamble steps", () => {
  const gssenc = message(8, 80877104);

  test("an SSLRequest is accepted and a GSSENCRequest refused, up to MAX_REQUESTS rounds", () => {
    expect(nextPreambleStep(SSL_REQUEST, 0)).toBe("accept-ssl");
    expect(nextPreambleStep(gssenc, 0)).toBe("refuse-gssenc");
    expect(nextPreambleStep(SSL_REQUEST, MAX_REQUESTS - 1)).toBe("accept-ssl");
    expect(nextPreambleStep(SSL_REQUEST, MAX_REQUESTS)).toBe("pg-too-many-requests");
    expect(nextPreambleStep(gssenc, MAX_REQUESTS)).toBe("pg-too-many-requests");
  });

  test("a TLS record, or bytes no PostgreSQL client sends, go to the ClientHello reader", () => {
    expect(nextPreambleStep(new Uint8Array([0x16, 3, 1]), 1)).toBe("hello");
    expect(nextPreambleStep(new TextEncoder().encode("GET / HTTP/1.1\r\n"), 0)).toBe("hello");
  });

  test("part of a request waits for the rest", () => {
    expect(nextPreambleStep(SSL_REQUEST.subarray(0, 3), 0)).toBe("need-more");
  });

  test("plaintext messages are refused with advice; the other refusals need none", () => {
    expect(nextPreambleStep(message(16, 80877102, 8), 0)).toBe("pg-plaintext-cancel");
    expect(nextPreambleStep(message(40, 0x00030000, 32), 0)).toBe("pg-plaintext-startup");
    expect(postgresRejectDetail("pg-plaintext-cancel")).toContain("sslmode=require");
    expect(postgresRejectDetail("pg-plaintext-startup")).toContain("sslmode=require");
    expect(postgresRejectDetail("pg-too-many-requests")).toBeUndefined();
  });

  test("the server's answer: only S lets TLS through", () => {
    expect(serverAcceptsSsl(new TextEncoder().encode("S"))).toBe(true);
    expect(serverAcceptsSsl(new TextEncoder().encode("S\x16"))).toBe(true);
    expect(serverAcceptsSsl(new TextEncoder().encode("N"))).toBe(false);
    expect(serverAcceptsSsl(new TextEncoder().encode("E"))).toBe(false);
  });
});
