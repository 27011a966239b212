// Socket addresses as logs, pages and metric labels show them: "[v6]:port" for
// IPv6 (so the port stays readable), "a.b.c.d:port" for IPv4.

export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * A client's address as its own family: a dual-stack socket on "::" reports
 * IPv4 clients as "::ffff:a.b.c.d", which is the IPv4 address a.b.c.d.
 */
export function clientAddress(remoteAddress: string): string {
  // Once per accepted connection: the regular expression only for the mapped form.
  if (!remoteAddress.startsWith("::ffff:") && !remoteAddress.startsWith("::FFFF:")) return remoteAddress;
  return MAPPED_IPV4.exec(remoteAddress)?.[1] ?? remoteAddress;
}
