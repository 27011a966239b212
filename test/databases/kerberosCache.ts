// A Kerberos credential cache file holding one made-up, unexpired TGT. libpq sends a
// GSSENCRequest only when GSSAPI reports usable initiator credentials; with this file
// as KRB5CCNAME it does, so a test sees the GSSENCRequest path of a real psql without
// running a KDC. The ticket is never used: the proxy answers "N" and libpq moves on.
//
// Layout (MIT "FILE:" ccache, version 4), all integers big-endian:
//   u16 version 0x0504, u16 header length (0)
//   default principal
//   credential: client, server, keyblock (u16 enctype, data), u32 authtime, starttime,
//   endtime, renew-till, u8 is-skey, u32 flags, u32 address count, u32 authdata count,
//   ticket, second ticket
// where principal = u32 name type, u32 component count, realm, components, and every
// string is a u32 length followed by its bytes.
import { writeFileSync } from "node:fs";

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function counted(bytes: Buffer): Buffer {
  return Buffer.concat([u32(bytes.length), bytes]);
}

function principal(realm: string, components: readonly string[]): Buffer {
  const NT_PRINCIPAL = 1;
  return Buffer.concat([u32(NT_PRINCIPAL), u32(components.length), counted(Buffer.from(realm)), ...components.map((c) => counted(Buffer.from(c)))]);
}

export function writeFakeTgtCache(file: string, user = "tester", realm = "COURIER.TEST"): void {
  const AES256_CTS = 18;
  const FORWARDABLE_RENEWABLE_INITIAL_PREAUTH = 0x40e10000;
  const now = Math.floor(Date.now() / 1000);
  const client = principal(realm, [user]);
  const credential = Buffer.concat([
    client,
    principal(realm, ["krbtgt", realm]),
    u16(AES256_CTS),
    counted(Buffer.alloc(32)),
    u32(now),
    u32(now),
    u32(now + 10 * 3600),
    u32(now + 10 * 3600),
    Buffer.from([0]),
    u32(FORWARDABLE_RENEWABLE_INITIAL_PREAUTH),
    u32(0),
    u32(0),
    counted(Buffer.from("not-a-real-ticket")),
    counted(Buffer.alloc(0)),
  ]);
  writeFileSync(file, Buffer.concat([u16(0x0504), u16(0), client, credential]), { mode: 0o600 });
}
