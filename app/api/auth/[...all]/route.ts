/** better-auth's endpoints (sign-in, sign-out, session). */
import { getRuntime } from "@/server/jobs/runtime";

export const dynamic = "force-dynamic";

async function handler(request: Request): Promise<Response> {
  const runtime = getRuntime();
  await runtime.ready;
  return runtime.auth.handler(request);
}

export { handler as GET, handler as POST };
