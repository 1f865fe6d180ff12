/** better-auth's endpoints (sign-in, sign-out, session). */
import { getConsoles } from "@/server/jobs/runtime";

export const dynamic = "force-dynamic";

async function handler(request: Request): Promise<Response> {
  return (await getConsoles()).auth.handle(request);
}

export { handler as GET, handler as POST };
