// Turns the raw server_name host_name bytes into the name routes are matched against.
//
// Policy (decided here, relied on by routing):
// - Every byte must be printable ASCII other than space (0x21..0x7e); anything else,
//   including UTF-8 (IDNs travel as A-labels, "xn--..."), is refused.
// - ASCII letters are lowercased and one trailing dot is dropped ("Example.COM." ->
//   "example.com"), because DNS names compare case-insensitively and the root dot is
//   optional; a second trailing dot leaves an empty label and is refused.
// - What remains must be dot-separated labels of 1..63 characters from [a-z0-9-_],
//   253 characters at most. Underscores and hyphens anywhere in a label are tolerated
//   (both occur in real internal host names); such a name simply matches no route when
//   no route names it. Wildcards ("*"), IP-literal brackets, ports and slashes are not
//   DNS names and are refused. IPv4-looking names ("10.0.0.1") pass: they are harmless
//   and merely match no route.

import { MAX_HOSTNAME_LENGTH, MAX_LABEL_LENGTH } from "../../../contract/index.ts";

export type SniResult = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly detail: string };

function isLabelChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2d || // -
    code === 0x5f // _
  );
}

/** Validates and normalizes host_name bytes from the server_name extension. */
export function normalizeServerName(raw: Uint8Array): SniResult {
  if (raw.length === 0) return { ok: false, detail: "empty host_name" };
  let end = raw.length;
  if (raw[end - 1] === 0x2e) end -= 1; // one trailing dot
  if (end === 0) return { ok: false, detail: "host_name is only a dot" };
  if (end > MAX_HOSTNAME_LENGTH) return { ok: false, detail: `host_name longer than ${MAX_HOSTNAME_LENGTH} characters` };

  const codes: number[] = new Array<number>(end);
  let labelLength = 0;
  for (let i = 0; i < end; i++) {
    let code = raw[i] ?? 0;
    if (code < 0x21 || code > 0x7e) {
      return { ok: false, detail: `host_name byte 0x${code.toString(16).padStart(2, "0")} at ${i} is not printable ASCII` };
    }
    if (code >= 0x41 && code <= 0x5a) code += 0x20; // A-Z -> a-z
    if (code === 0x2e) {
      if (labelLength === 0) return { ok: false, detail: `empty label at ${i}` };
      labelLength = 0;
    } else if (!isLabelChar(code)) {
      return { ok: false, detail: `character '${String.fromCharCode(code)}' at ${i} is not allowed in a DNS name` };
    } else if (++labelLength > MAX_LABEL_LENGTH) {
      return { ok: false, detail: `label longer than ${MAX_LABEL_LENGTH} characters at ${i}` };
    }
    codes[i] = code;
  }
  // A name ending in ".." still has an empty last label after dropping one dot.
  if (labelLength === 0) return { ok: false, detail: "empty last label" };
  return { ok: true, name: String.fromCharCode(...codes) };
}
