/**
 * IP addresses and ranges (CIDR) for deciding whom to believe about a client's address: the parser behind
 * WATCHPOST_TRUSTED_PROXIES (server/core/config.ts) and the matcher the sign-in limit uses (server/auth). Plain
 * node:net, so it sits in server/core; IPv4, IPv6 and IPv4-mapped IPv6 (`::ffff:10.0.0.1`) alike.
 */
import { BlockList, isIP } from "node:net";

export type AddressRange = { address: string; prefix: number; family: "ipv4" | "ipv6" };

/**
 * An address as it arrives from a socket or a header, in one spelling: brackets and an IPv6 zone dropped,
 * IPv4-mapped IPv6 as plain IPv4, lower case. Not an address: null.
 */
export function normalizeAddress(raw: string): string | null {
  let value = raw.trim();
  if (value.startsWith("[") && value.endsWith("]")) value = value.slice(1, -1);
  const zone = value.indexOf("%");
  if (zone !== -1) value = value.slice(0, zone);
  value = value.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(value);
  if (mapped && isIP(mapped[1]!) === 4) return mapped[1]!;
  return isIP(value) === 0 ? null : value;
}

/**
 * Parses a comma list of addresses and CIDR ranges (`10.0.0.0/8, 192.168.1.7, fd00::/8, ::1`). Returns the
 * ranges, or the entries that are not one, each with why, so that the configuration can name them.
 */
export function parseAddressRanges(list: string): { ranges: AddressRange[]; problems: string[] } {
  const ranges: AddressRange[] = [];
  const problems: string[] = [];
  for (const entry of list
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean)) {
    const slash = entry.indexOf("/");
    const address = normalizeAddress(slash === -1 ? entry : entry.slice(0, slash));
    if (!address) {
      problems.push(`"${entry}" is not an IPv4 or IPv6 address`);
      continue;
    }
    const family = isIP(address) === 4 ? "ipv4" : "ipv6";
    const maxPrefix = family === "ipv4" ? 32 : 128;
    const prefixText = slash === -1 ? String(maxPrefix) : entry.slice(slash + 1);
    const prefix = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || prefix > maxPrefix) {
      problems.push(`"${entry}" has a prefix length that is not 0 to ${maxPrefix}`);
      continue;
    }
    ranges.push({ address, prefix, family });
  }
  return { ranges, problems };
}

/** Whether an address lies in one of the ranges (an IPv4-mapped IPv6 address matches its IPv4 range). */
export function createAddressMatcher(ranges: readonly AddressRange[]): (address: string) => boolean {
  if (ranges.length === 0) return () => false;
  const list = new BlockList();
  for (const range of ranges) list.addSubnet(range.address, range.prefix, range.family);
  return (raw) => {
    const address = normalizeAddress(raw);
    if (!address) return false;
    return list.check(address, isIP(address) === 4 ? "ipv4" : "ipv6");
  };
}
