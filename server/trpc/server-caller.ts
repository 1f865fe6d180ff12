import "server-only";
/**
 * The tRPC server-side caller for server components: the same procedures, context and checks as the browser
 * gets, without an HTTP round trip. Pages read through it rather than reaching into the runtime.
 */
import { headers } from "next/headers";
import { createTRPCContext } from "./init";
import { createCaller } from "./root";

export async function serverCaller() {
  return createCaller(await createTRPCContext({ headers: await headers() }));
}
