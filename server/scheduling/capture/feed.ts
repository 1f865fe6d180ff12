/**
 * What the capture client reads from the database server, and the zod schemas that check it at the boundary.
 * A page whose envelope does not parse is an error (retried); a single event that does not parse goes to the
 * dead-letter table and the cursor moves past it, so one bad event never blocks the feed.
 */
import { z } from "zod";
import type { DbsimEvent } from "../dbsim/event-log";

const statistics = z.object({ average: z.number().int(), min: z.number().int(), max: z.number().int() });
const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "expected a lower-case UUID");
const int = z.number().int();

export const dbsimEventSchema = z.discriminatedUnion("type", [
  z.object({ seq: int, type: z.literal("queued"), executionId: uuid, templateId: uuid, tick: int, at: z.number() }),
  z.object({
    seq: int,
    type: z.literal("executed"),
    executionId: uuid,
    templateId: uuid,
    queuedTick: int,
    queuedAt: z.number(),
    executedTick: int,
    executedAt: z.number(),
    totalDelayTicks: int,
    addedDelayTicks: int,
  }),
  z.object({
    seq: int,
    type: z.literal("resources"),
    windowIndex: int,
    firstTick: int,
    lastTick: int,
    at: z.number(),
    cpu: statistics,
    io: statistics,
    memory: statistics,
  }),
  z.object({ seq: int, type: z.literal("restarted"), at: z.number(), previousTick: int.nullable() }),
]);

export const eventPageEnvelopeSchema = z.object({
  logId: z.string().min(1),
  firstSeq: int,
  lastSeq: int,
  truncated: z.boolean(),
  events: z.array(z.unknown()),
});

export type BadEvent = { seq: number | undefined; reason: string; raw: string };

export type FeedPage = {
  logId: string;
  firstSeq: number;
  lastSeq: number;
  truncated: boolean;
  events: DbsimEvent[];
  /** Events that did not parse (with the sequence number when it could be read). */
  badEvents: BadEvent[];
};

export type FeedTemplate = {
  id: string;
  index: number;
  profile: "cpu" | "io" | "memory";
  cost: { cpu: number; memory: number; io: number };
  probability: number;
};

export const templatesResponseSchema = z.object({
  templates: z.array(
    z.object({
      id: uuid,
      index: int,
      profile: z.enum(["cpu", "io", "memory"]),
      cost: z.object({ cpu: int, memory: int, io: int }),
      probability: z.number(),
    }),
  ),
});

/** The port the capture client reads through (HTTP in production; the log itself in some tests). */
export interface EventFeed {
  read(after: number, limit: number, signal?: AbortSignal): Promise<FeedPage>;
  templates(signal?: AbortSignal): Promise<FeedTemplate[]>;
}

/** Splits raw events into parsed ones and dead letters. */
export function parseFeedPage(raw: unknown): FeedPage {
  const envelope = eventPageEnvelopeSchema.parse(raw);
  const events: DbsimEvent[] = [];
  const badEvents: BadEvent[] = [];
  for (const item of envelope.events) {
    const parsed = dbsimEventSchema.safeParse(item);
    if (parsed.success) events.push(parsed.data as DbsimEvent);
    else {
      const seq =
        typeof item === "object" && item !== null && "seq" in item && Number.isInteger((item as { seq: unknown }).seq)
          ? (item as { seq: number }).seq
          : undefined;
      badEvents.push({ seq, reason: z.prettifyError(parsed.error), raw: JSON.stringify(item) });
    }
  }
  return {
    logId: envelope.logId,
    firstSeq: envelope.firstSeq,
    lastSeq: envelope.lastSeq,
    truncated: envelope.truncated,
    events,
    badEvents,
  };
}
