/** The tRPC handler. Unexpected server errors are logged; the client gets the message of expected ones. */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createLogger } from "@/server/core/logger";
import { createTRPCContext } from "@/server/trpc/init";
import { appRouter } from "@/server/trpc/root";

export const dynamic = "force-dynamic";

const log = createLogger("trpc");

function handler(request: Request) {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: () => createTRPCContext({ headers: request.headers }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR")
        log.error({ path, err: error.cause ?? error }, "tRPC procedure failed");
    },
  });
}

export { handler as GET, handler as POST };
