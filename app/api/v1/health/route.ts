/** GET /api/v1/health: the service's status and its database's state, for load balancers and people. */
import { getConsoles } from "@/server/jobs/runtime";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    const health = (await getConsoles()).platform.health();
    return Response.json(health, { status: health.status === "ok" ? 200 : 503 });
  } catch (error) {
    return Response.json(
      {
        status: "error",
        database: { state: "unavailable", error: error instanceof Error ? error.message : String(error) },
      },
      { status: 503 },
    );
  }
}
