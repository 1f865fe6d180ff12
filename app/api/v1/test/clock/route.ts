/**
 * Test only: moves the server's clock forward so that browser tests can pass a 15-minute timeout at once.
 * Exists only when WATCHPOST_TEST_CLOCK=true; otherwise it answers 404 like any unknown path.
 */
import { z } from "zod";
import { describeZodError } from "@/server/core/validation";
import { getConsoles } from "@/server/jobs/runtime";

export const dynamic = "force-dynamic";

const body = z.object({
  advanceMs: z
    .number()
    .int()
    .positive()
    .max(7 * 24 * 3_600_000, "at most a week at a time"),
});

const notFound = () => new Response("404 page not found\n", { status: 404 });

export async function POST(request: Request): Promise<Response> {
  const platform = (await getConsoles()).platform;
  if (!platform.testClock()) return notFound();
  const parsed = body.safeParse(await request.json().catch(() => null));
  if (!parsed.success)
    return Response.json(
      { error: `Expected {"advanceMs": <positive whole milliseconds>}: ${describeZodError(parsed.error)}` },
      { status: 400 },
    );
  return Response.json(platform.advanceTestClock(parsed.data.advanceMs));
}

export async function GET(): Promise<Response> {
  const reading = (await getConsoles()).platform.testClock();
  return reading ? Response.json(reading) : notFound();
}
