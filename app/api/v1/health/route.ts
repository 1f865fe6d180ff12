/** GET /api/v1/health: the service's status and its database's state, for load balancers and people. */
import { checkDatabase } from "@/db/health";
import { getRuntime } from "@/server/jobs/runtime";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    const runtime = getRuntime();
    await runtime.ready;
    const database = checkDatabase(runtime.db);
    const body = { status: database.state === "ok" ? "ok" : "error", database, engines: runtime.engines.map((engine) => engine.name), time: new Date(runtime.clock.now()).toISOString() };
    return Response.json(body, { status: database.state === "ok" ? 200 : 503 });
  } catch (error) {
    return Response.json({ status: "error", database: { state: "unavailable", error: error instanceof Error ? error.message : String(error) } }, { status: 503 });
  }
}
