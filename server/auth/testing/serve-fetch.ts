/**
 * Test kit: serves a fetch-style handler (a web Request in, a Response out) over real HTTP on a free port,
 * with the console's own trust boundary in front (scripts/peer-address.mjs stamps the connection's address),
 * as scripts/serve.mjs does for the Next.js build. Lets the sign-in tests speak HTTP with forged headers.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { stampPeerAddress } from "../../../scripts/peer-address.mjs";

async function toRequest(message: IncomingMessage, origin: string): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  const hasBody = message.method !== "GET" && message.method !== "HEAD";
  return new Request(new URL(message.url ?? "/", origin), {
    method: message.method,
    headers,
    body: hasBody ? Buffer.concat(chunks) : undefined,
  });
}

export type ServedFetch = { url: string; close: () => Promise<void> };

export function serveFetch(handler: (request: Request) => Promise<Response>, host = "127.0.0.1"): Promise<ServedFetch> {
  const server = createServer((message, response) => {
    stampPeerAddress(message);
    void (async () => {
      try {
        const answer = await handler(await toRequest(message, `http://${message.headers.host ?? host}`));
        response.writeHead(answer.status, Object.fromEntries(answer.headers));
        response.end(Buffer.from(await answer.arrayBuffer()));
      } catch (error) {
        response.writeHead(500, { "content-type": "text/plain" });
        response.end(String(error));
      }
    })();
  });
  return new Promise((resolve) => {
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
