/**
 * The tRPC handler. Unexpected server errors are logged; the client gets the message of expected ones.
 *
 * Before tRPC sees a POST (every mutation is one; queries are GETs): a request whose Origin header is present and
 * not the console's is refused with 403 (a page on another site cannot make a signed-in browser change things),
 * and the body is read up to 1 MB, refused with 413 past it. tRPC then gets a new Request with the buffered body.
 * Both refusals go through tRPC itself (an error thrown from createContext, before any procedure or input is
 * touched), so the client reads them in tRPC's own shape, batched calls included.
 */
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { readBodyWithin } from "@/server/core/http-body";
import { createLogger } from "@/server/core/logger";
import { createTRPCContext } from "@/server/trpc/init";
import { appRouter } from "@/server/trpc/root";
import { getConsoles } from "@/server/jobs/runtime";

export const dynamic = "force-dynamic";

const log = createLogger("trpc");

/** The largest tRPC request body: the biggest form in the console is a few KB. */
const MAX_TRPC_BODY_BYTES = 1024 * 1024;

/** The request tRPC sees when it is refused before reading: same URL and headers, no body, read as JSON. */
function withoutBody(request: Request): Request {
  const headers = new Headers(request.headers);
  headers.delete("content-length");
  headers.set("content-type", "application/json");
  return new Request(request.url, { method: request.method, headers, signal: request.signal });
}

async function screen(request: Request): Promise<{ request: Request; refusal?: TRPCError }> {
  if (request.method !== "POST") return { request };
  const platform = (await getConsoles()).platform;
  const foreign = platform.refuseForeignOrigin(request.headers.get("origin"));
  if (foreign)
    return { request: withoutBody(request), refusal: new TRPCError({ code: "FORBIDDEN", message: foreign }) };
  const body = await readBodyWithin(request, MAX_TRPC_BODY_BYTES);
  if (!body.ok) {
    const message =
      body.status === 413
        ? `The request body is larger than the 1 MB (${MAX_TRPC_BODY_BYTES} bytes) limit of /api/trpc. Send less at once.`
        : body.message;
    return {
      request: withoutBody(request),
      refusal: new TRPCError({ code: body.status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST", message }),
    };
  }
  const headers = new Headers(request.headers);
  headers.delete("content-length");
  return {
    request: new Request(request.url, { method: "POST", headers, body: body.text, signal: request.signal }),
  };
}

async function handler(incoming: Request): Promise<Response> {
  const { request, refusal } = await screen(incoming);
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: () => {
      if (refusal) throw refusal;
      return createTRPCContext({ headers: request.headers });
    },
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR")
        log.error({ path, err: error.cause ?? error }, "tRPC procedure failed");
      else if (error.code === "SERVICE_UNAVAILABLE")
        log.error({ path, err: error.cause ?? error }, "tRPC procedure refused: the database cannot be written");
    },
  });
}

export { handler as GET, handler as POST };
