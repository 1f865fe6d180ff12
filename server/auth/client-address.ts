/**
 * Who is asking: the client address the sign-in limit counts by. The connection's peer address is recorded by
 * the console's own HTTP server (scripts/serve.mjs) in PEER_ADDRESS_HEADER, after it deleted any copy the client
 * sent; App Router handlers cannot see the socket, and Next.js keeps a client's own X-Forwarded-For. That peer is
 * the client, unless it is one of WATCHPOST_TRUSTED_PROXIES: only then is X-Forwarded-For read, from the right
 * (the hop our proxy appended) to the first address that is not a trusted proxy.
 */
import { isIP } from "node:net";
import { normalizeAddress } from "@/server/core/address-ranges";

/** Set by scripts/serve.mjs (peer-address.mjs) from the socket; a client's own copy is deleted first. */
export const PEER_ADDRESS_HEADER = "x-watchpost-peer-address";
/** The client address we resolved, handed on to better-auth (it records it on the session). */
export const CLIENT_ADDRESS_HEADER = "x-watchpost-client-address";
/** The bucket of requests that came without a peer address (not through scripts/serve.mjs: `next dev`, tests). */
export const UNKNOWN_CLIENT = "unknown";

/**
 * The client's address from the peer and its X-Forwarded-For. An entry that is not an address ends the walk
 * at the proxy that sent it, so a broken chain never lets a client choose its own bucket.
 */
export function resolveClientAddress(
  request: { peer: string | null; forwardedFor: string | null },
  isTrustedProxy: (address: string) => boolean,
): string {
  const peer = request.peer ? normalizeAddress(request.peer) : null;
  if (!peer) return UNKNOWN_CLIENT;
  if (!isTrustedProxy(peer) || !request.forwardedFor) return peer;
  const hops = request.forwardedFor
    .split(",")
    .map((hop) => hop.trim())
    .filter(Boolean);
  let client = peer;
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = normalizeAddress(hops[index]!);
    if (!hop) return client;
    client = hop;
    if (!isTrustedProxy(hop)) return hop;
  }
  // Every hop was a trusted proxy: the left-most is the nearest thing to a client we know.
  return client;
}

/**
 * The key the address limit counts under: IPv4 as is, IPv6 by its /64 (one subscriber's usual allocation, which
 * hands out a new address per request for free).
 */
export function addressLimitKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = "", tail = ""] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = address.includes("::")
    ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => (Number.parseInt(group || "0", 16) || 0).toString(16))
    .join(":")}::/64`;
}
