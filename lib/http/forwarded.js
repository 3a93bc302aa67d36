// The client's real address behind the studio's TLS proxy. X-Forwarded-For is anyone's to
// write, so it is believed only from a peer listed in PROCESS_MONITOR_TRUSTED_PROXIES
// (addresses or CIDR ranges, comma-separated), and then only up to the first hop that is not
// trusted: the rightmost address a trusted proxy vouches for.
import net from "node:net";

/** `::ffff:10.0.0.1` (IPv4 on an IPv6 socket) as `10.0.0.1`. */
function plain(address) {
  const value = String(address ?? "").trim();
  return value.startsWith("::ffff:") && net.isIPv4(value.slice(7)) ? value.slice(7) : value;
}

/** The trusted proxies as a BlockList, or null when none are set; a bad entry stops the start. */
export function trustedProxies(value = process.env.PROCESS_MONITOR_TRUSTED_PROXIES) {
  const entries = String(value ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) return null;
  const list = new net.BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split("/");
    const type = net.isIPv4(address) ? "ipv4" : net.isIPv6(address) ? "ipv6" : null;
    const prefix = bits === undefined ? null : Number(bits);
    if (!type || (prefix !== null && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= (type === "ipv4" ? 32 : 128)))) {
      throw new Error(
        `PROCESS_MONITOR_TRUSTED_PROXIES: ${JSON.stringify(entry)} is not an address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/24).`,
      );
    }
    if (prefix === null) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return list;
}

function trusts(list, address) {
  const type = net.isIPv4(address) ? "ipv4" : net.isIPv6(address) ? "ipv6" : null;
  return type !== null && list.check(address, type);
}

/** The address a request comes from: the socket's peer, or what trusted proxies say it was. */
export function clientAddress(peer, forwardedFor, list) {
  let address = plain(peer);
  if (!list || !trusts(list, address)) return address;
  const hops = String(forwardedFor ?? "")
    .split(",")
    .map(plain)
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = hops[i];
    if (!net.isIP(hop)) return address;
    address = hop;
    if (!trusts(list, hop)) return hop;
  }
  return address;
}
