#!/usr/bin/env node
/**
 * The console's HTTP server in production (`npm start`, the browser tests): the Next.js build behind a plain
 * node:http server of our own, instead of `next start`, for two reasons:
 * - the sign-in limit must know the connection's address, which App Router handlers cannot see and which
 *   `next start` lets a client's own X-Forwarded-For replace: every request gets it in a header of ours
 *   (peer-address.mjs), any copy the client sent deleted first;
 * - where it listens: WATCHPOST_HOST, or by default loopback only in demo mode (the sign-in page lists the demo
 *   passwords) and every interface otherwise.
 * instrumentation.ts's register() runs inside `prepare()` as under `next start`: migrations, the demo seed and
 * the engines are up (or the process stopped with the reason) before the first connection is accepted.
 */
import http from "node:http";
import path from "node:path";
import next from "next";
import { stampPeerAddress } from "./peer-address.mjs";

const root = path.resolve(import.meta.dirname, "..");
process.env.NODE_ENV = "production";
process.env.NEXT_TELEMETRY_DISABLED = "1";

const port = Number(process.env.PORT || 3000);
// The same reading as server/core/config.ts (which also rejects a bad value, inside prepare(), before we listen).
const demo = !["false", "0", "no"].includes(process.env.WATCHPOST_DEMO || "true");
const configuredHost = (process.env.WATCHPOST_HOST || "").replace(/^\[(.*)\]$/, "$1") || undefined;
/** undefined: every interface (Node listens on :: and 0.0.0.0). */
const hosts = configuredHost ? [configuredHost] : demo ? ["127.0.0.1", "::1"] : [undefined];

const app = next({ dev: false, dir: root, port, hostname: configuredHost ?? "localhost" });
await app.prepare();
const handle = app.getRequestHandler();

const listener = (request, response) => {
  stampPeerAddress(request);
  handle(request, response).catch((error) => {
    console.error("Watchpost: a request failed outside Next.js's own error handling", error);
    if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
    response.end("Internal server error");
  });
};

function listen(host) {
  return new Promise((resolve, reject) => {
    const server = http.createServer(listener);
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

const servers = [];
for (const host of hosts) {
  try {
    servers.push(await listen(host));
  } catch (error) {
    // A machine without IPv6 has no ::1; 127.0.0.1 alone still serves http://localhost.
    if (host === "::1" && !configuredHost && ["EADDRNOTAVAIL", "EAFNOSUPPORT"].includes(error.code)) continue;
    const where = host ? `${host}:${port}` : `port ${port}`;
    console.error(
      error.code === "EADDRINUSE"
        ? `Watchpost cannot listen on ${where}: another program uses it. Stop it, or set PORT to a free port.`
        : `Watchpost cannot listen on ${where}: ${error.message}. Check WATCHPOST_HOST and PORT.`,
    );
    process.exit(1);
  }
}

const shown = servers.map((server) => {
  const { address } = server.address();
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
});
if (demo && !configuredHost) {
  console.log(
    `Demo mode: listening on loopback only (${shown.join(", ")}) because the sign-in page lists the demo passwords; set WATCHPOST_HOST=0.0.0.0 to listen on every interface.`,
  );
} else {
  console.log(
    `Watchpost is listening on ${shown.join(", ")} (WATCHPOST_HOST: ${configuredHost ?? "unset, every interface"}).`,
  );
}

// instrumentation's runner stops the engines and exits on these signals; stop taking connections meanwhile.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const server of servers) server.close();
    setTimeout(() => process.exit(0), 30_000).unref();
  });
}
