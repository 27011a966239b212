import { describe, expect, test } from "bun:test";
import { SSL_REQUEST, classifyPostgresPreamble } from "../../../proxy/dataplane/postgresPreamble.ts";

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
