/**
 * POST /api/v1/pager/events: alerts from machines. Accepts a PagerDuty Events API v2 event (routing_key = the
 * service's integration key; event_action trigger / acknowledge / resolve with dedup_key) or an Alertmanager
 * webhook body (key as `Authorization: Bearer <key>` or `?integration_key=`). Answers 202 like PagerDuty; a
 * bad body 400, a missing key 401, an unknown key 403 — each saying what was wrong.
 */
import { readBodyWithin } from "@/server/core/http-body";
import { getConsoles } from "@/server/jobs/runtime";

export const dynamic = "force-dynamic";

const MAX_BODY_BYTES = 512 * 1024;

export async function POST(request: Request): Promise<Response> {
  const pager = (await getConsoles()).pager;
  // Content-Length first, then the bytes actually read: a large body is refused before it is buffered.
  const body = await readBodyWithin(request, MAX_BODY_BYTES);
  if (!body.ok)
    return Response.json({ status: "invalid event", message: body.message, errors: [] }, { status: body.status });
  const rawBody = body.text;
  const authorization = request.headers.get("authorization");
  const bearerKey = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? null;
  const queryKey = new URL(request.url).searchParams.get("integration_key");
  const result = pager.ingest({ rawBody, bearerKey, queryKey });
  switch (result.kind) {
    case "accepted":
      return Response.json(
        {
          status: "success",
          message: result.message,
          dedup_key: result.dedupKey,
          outcome: result.outcome,
          incident_id: result.incidentId,
        },
        { status: 202 },
      );
    case "invalid":
      return Response.json(
        { status: "invalid event", message: result.message, errors: result.errors },
        { status: 400 },
      );
    case "unauthenticated":
      return Response.json(
        { status: "unauthenticated", message: result.message, errors: result.errors },
        { status: 401, headers: { "www-authenticate": 'Bearer realm="watchpost-pager"' } },
      );
    case "unknown-key":
      return Response.json(
        { status: "invalid routing key", message: result.message, errors: result.errors },
        { status: 403 },
      );
  }
}
