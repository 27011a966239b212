// A deterministic tar writer (POSIX ustar, pax headers only for names too long for
// ustar): entries in the order given, owner 0:0 without user/group names, one fixed
// mtime. Same entries in, same bytes out, whatever the machine or the time.

export type TarEntry =
  | { readonly type: "dir"; readonly path: string; readonly mode: number }
  | { readonly type: "file"; readonly path: string; readonly mode: number; readonly data: Uint8Array }
  | { readonly type: "symlink"; readonly path: string; readonly target: string };

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, as GNU tar and Go's archive/tar write them.
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function header(name: string, prefix: string, size: number, mode: number, mtime: number, typeflag: string, linkname: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  const put = (text: string, offset: number, length: number): void => {
    const bytes = Buffer.from(text, "utf8");
    if (bytes.length > length) throw new Error(`tar: field too long: ${text}`);
    bytes.copy(block, offset);
  };
  put(name, 0, 100);
  put(octal(mode, 8), 100, 8);
  put(octal(0, 8), 108, 8); // uid
  put(octal(0, 8), 116, 8); // gid
  put(octal(size, 12), 124, 12);
  put(octal(mtime, 12), 136, 12);
  block.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  put(typeflag, 156, 1);
  put(linkname, 157, 100);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  put(octal(0, 8), 329, 8); // devmajor
  put(octal(0, 8), 337, 8); // devminor
  put(prefix, 345, 155);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return block;
}

/** Splits a path into ustar's prefix (<=155 bytes) and name (<=100 bytes), if possible. */
function ustarSplit(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: "" };
  for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== "") return { name, prefix };
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  // "<length> key=value\n", where length counts its own digits.
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

export function writeTar(entries: readonly TarEntry[], mtime: number): Buffer {
  const chunks: Buffer[] = [];
  for (const entry of entries) {
    const path = entry.type === "dir" ? `${entry.path.replace(/\/$/, "")}/` : entry.path;
    const linkname = entry.type === "symlink" ? entry.target : "";
    const pax: string[] = [];
    let split = ustarSplit(path);
    if (split === undefined) {
      pax.push(paxRecord("path", path));
      split = { name: path.slice(0, 99), prefix: "" };
    }
    if (Buffer.byteLength(linkname) > 100) pax.push(paxRecord("linkpath", linkname));
    if (pax.length > 0) {
      const body = Buffer.from(pax.join(""), "utf8");
      chunks.push(header("PaxHeader", "", body.length, 0o644, mtime, "x", ""), body, padding(body.length));
    }
    const size = entry.type === "file" ? entry.data.length : 0;
    const mode = entry.type === "symlink" ? 0o777 : entry.mode;
    const typeflag = entry.type === "file" ? "0" : entry.type === "dir" ? "5" : "2";
    chunks.push(header(split.name, split.prefix, size, mode, mtime, typeflag, linkname.slice(0, 100)));
    if (entry.type === "file") chunks.push(Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.length), padding(size));
  }
  chunks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(chunks);
}
