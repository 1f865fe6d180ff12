/**
 * The trust boundary of the console's HTTP server (scripts/serve.mjs): every request carries the connection's
 * peer address in PEER_ADDRESS_HEADER, and only that. A client's own copy is deleted first, from the parsed
 * headers and from the raw ones, so nothing behind this (Next.js, the sign-in limit in server/auth) can be told
 * another address. server/auth/client-address.ts reads the header (the same name; a test checks it).
 */
export const PEER_ADDRESS_HEADER = "x-watchpost-peer-address";

/** @param {import("node:http").IncomingMessage} request */
export function stampPeerAddress(request) {
  delete request.headers[PEER_ADDRESS_HEADER];
  const raw = request.rawHeaders;
  const kept = [];
  for (let index = 0; index + 1 < raw.length; index += 2) {
    if (raw[index].toLowerCase() !== PEER_ADDRESS_HEADER) kept.push(raw[index], raw[index + 1]);
  }
  const peer = request.socket.remoteAddress ?? "";
  kept.push(PEER_ADDRESS_HEADER, peer);
  request.rawHeaders.splice(0, request.rawHeaders.length, ...kept);
  request.headers[PEER_ADDRESS_HEADER] = peer;
}
