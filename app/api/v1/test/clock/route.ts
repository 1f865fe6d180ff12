/**
 * Test only: moves the server's clock forward so that browser tests can pass a 15-minute timeout at once.
 * Exists only when WATCHPOST_TEST_CLOCK=true; otherwise it answers 404 like any unknown path.
 */
import { z } from "zod";
import { getRuntime } from "@/server/jobs/runtime";

export const dynamic = "force-dynamic";

const body = z.object({ advanceMs: z.number().int().positive().max(7 * 24 * 3_600_000, "at most a week at a time") });

export async function POST(request: Request): Promise<Response> {
  const runtime = getRuntime();
  if (!runtime.testClock) return new Response("404 page not found\n", { status: 404 });
  const parsed = body.safeParse(await request.json().catch(() => null));
  if (!parsed.success) return Response.json({ error: `Expected {"advanceMs": <positive whole milliseconds>}: ${parsed.error.issues.map((issue) => issue.message).join("; ")}` }, { status: 400 });
  runtime.testClock.advance(parsed.data.advanceMs);
  return Response.json({ now: new Date(runtime.clock.now()).toISOString(), offsetMs: runtime.testClock.offset() });
}

export async function GET(): Promise<Response> {
  const runtime = getRuntime();
  if (!runtime.testClock) return new Response("404 page not found\n", { status: 404 });
  return Response.json({ now: new Date(runtime.clock.now()).toISOString(), offsetMs: runtime.testClock.offset() });
}
