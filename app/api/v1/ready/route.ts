/**
 * GET /api/v1/ready: readiness, for load balancers and orchestrators (health, beside it, is liveness). 200 with
 * each part's state when this process can do its work; 503 naming the failing part when the database cannot be
 * written, a configured NATS connection is down, or an engine this process should run has stopped.
 */
import { getConsoles } from "@/server/jobs/runtime";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    const readiness = await (await getConsoles()).platform.readiness();
    return Response.json(readiness, {
      status: readiness.status === "ready" ? 200 : 503,
      headers: { "cache-control": "no-store" },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return Response.json(
      { status: "not ready", message: `not ready: the process could not start (${message})`, failing: ["runtime"] },
      { status: 503, headers: { "cache-control": "no-store" } },
    );
  }
}
