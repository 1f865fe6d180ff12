/**
 * POST /api/v1/pager/events: alerts from machines. Accepts a PagerDuty Events API v2 event (routing_key = the
 * service's integration key; event_action trigger / acknowledge / resolve with dedup_key) or an Alertmanager
 * webhook body (key as `Authorization: Bearer <key>` or `?integration_key=`). Answers 202 like PagerDuty; a
 * bad body 400, a missing key 401, an unknown key 403, a body over 512 KiB 413, a body that is not JSON by its
 * Content-Type 415 — each saying what was wrong — and 503 with a JSON message when the database cannot take the
 * event (read-only, full, locked): the sender keeps it and retries, nothing is half-accepted.
 *
 * Content-Type: application/json or any +json type; a request without one is read as JSON too (some minimal
 * senders omit it; the body must still parse). PagerDuty's and Alertmanager's clients send application/json.
 */
import { storageErrorOf } from "@/server/core/storage-errors";
import { readBodyWithin } from "@/server/core/http-body";
import { createLogger } from "@/server/core/logger";
import { getConsoles } from "@/server/jobs/runtime";

export const dynamic = "force-dynamic";

const MAX_BODY_BYTES = 512 * 1024;

const log = createLogger("pager-ingest");

/** True for application/json, application/<anything>+json, or no Content-Type at all. */
function isJsonContentType(header: string | null): boolean {
  if (header === null || header.trim() === "") return true;
  const type = header.split(";", 1)[0]!.trim().toLowerCase();
  return type === "application/json" || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type);
}

export async function POST(request: Request): Promise<Response> {
  const pager = (await getConsoles()).pager;
  const contentType = request.headers.get("content-type");
  if (!isJsonContentType(contentType))
    return Response.json(
      {
        status: "invalid event",
        message: `The body must be JSON: send Content-Type: application/json (got ${contentType}). With curl: -H 'content-type: application/json'.`,
        errors: [],
      },
      { status: 415, headers: { accept: "application/json" } },
    );
  // Content-Length first, then the bytes actually read: a large body is refused before it is buffered.
  const body = await readBodyWithin(request, MAX_BODY_BYTES);
  if (!body.ok)
    return Response.json({ status: "invalid event", message: body.message, errors: [] }, { status: body.status });
  const rawBody = body.text;
  const authorization = request.headers.get("authorization");
  const bearerKey = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? null;
  const queryKey = new URL(request.url).searchParams.get("integration_key");
  let result: ReturnType<typeof pager.ingest>;
  try {
    result = pager.ingest({ rawBody, bearerKey, queryKey });
  } catch (error) {
    const storage = storageErrorOf(error);
    if (storage) {
      log.error({ err: error, code: storage.code }, "ingest refused: the database cannot be written");
      return Response.json(
        {
          status: "unavailable",
          message: `The event was not accepted: the database cannot be written (${storage.code}: ${storage.message}). Nothing was stored; send it again later. GET /api/v1/ready shows what fails.`,
          errors: [],
        },
        { status: 503, headers: { "retry-after": "30" } },
      );
    }
    log.error({ err: error }, "ingest failed");
    return Response.json(
      {
        status: "error",
        message: "The event could not be processed because of an internal error (logged on the server); send it again.",
        errors: [],
      },
      { status: 500 },
    );
  }
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
