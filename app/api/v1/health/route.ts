/** GET /api/v1/health: the service's status and its database's state, for load balancers and people. */
import { sql } from "drizzle-orm";
import { getRuntime } from "@/server/jobs/runtime";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const startedAt = performance.now();
  try {
    const runtime = getRuntime();
    await runtime.ready;
    const journal = runtime.db.get<{ journal_mode: string }>(sql`PRAGMA journal_mode`);
    runtime.db.get(sql`SELECT 1`);
    return Response.json({
      status: "ok",
      database: { state: "ok", journalMode: journal?.journal_mode ?? "unknown", latencyMs: Math.round((performance.now() - startedAt) * 100) / 100 },
      engines: runtime.engines.map((engine) => engine.name),
      time: new Date(runtime.clock.now()).toISOString(),
    });
  } catch (error) {
    return Response.json(
      { status: "error", database: { state: "unavailable", error: error instanceof Error ? error.message : String(error) } },
      { status: 503 },
    );
  }
}
