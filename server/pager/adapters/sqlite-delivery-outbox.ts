/**
 * The pager's outbox table (pager_delivery) as the relay's `DeliveryOutbox`. A claim is a conditional update
 * (pending, or sending with a lease that ended → sending with a new lease end), so of two relays racing for a
 * row exactly one gets it. The lease end is the claim's token: every later write is conditioned on the row still
 * being `sending` with that lease end, so a relay whose claim was taken over writes nothing.
 */
import { and, asc, eq, lt, or } from "drizzle-orm";
import type { AppDatabase } from "@/db/client";
import { pagerDelivery } from "@/db/schema";
import type { ClaimedDelivery, DeliveryOutbox, DeliveryResult } from "../ports";

export class SqliteDeliveryOutbox implements DeliveryOutbox {
  constructor(private readonly db: AppDatabase) {}

  claimDue(nowMs: number, leaseUntilMs: number, limit: number): ClaimedDelivery[] {
    const claimable = or(
      eq(pagerDelivery.status, "pending"),
      and(eq(pagerDelivery.status, "sending"), lt(pagerDelivery.leaseUntilMs, nowMs)),
    );
    const candidates = this.db
      .select({ id: pagerDelivery.id })
      .from(pagerDelivery)
      .where(claimable)
      .orderBy(asc(pagerDelivery.createdAtMs))
      .limit(limit)
      .all();
    const claimed: ClaimedDelivery[] = [];
    for (const { id } of candidates) {
      const row = this.db
        .update(pagerDelivery)
        .set({ status: "sending", leaseUntilMs })
        .where(and(eq(pagerDelivery.id, id), claimable))
        .returning()
        .get();
      if (row) {
        claimed.push({
          id: row.id,
          channel: row.channel,
          address: row.address,
          subject: row.subject,
          body: row.body,
          idempotencyKey: row.idempotencyKey,
          attempts: row.attempts,
          leaseUntilMs,
        });
      }
    }
    return claimed;
  }

  recordAttempt(deliveryId: string, token: number, attempts: number): boolean {
    return this.db.update(pagerDelivery).set({ attempts }).where(this.ownedBy(deliveryId, token)).run().changes === 1;
  }

  settle(deliveryId: string, token: number, result: DeliveryResult, atMs: number): boolean {
    const fields =
      result.status === "sent"
        ? {
            status: result.status,
            providerMessageId: result.providerMessageId,
            reason: null,
            attempts: result.attempts,
          }
        : { status: result.status, reason: result.reason, attempts: result.attempts };
    return (
      this.db
        .update(pagerDelivery)
        .set({ ...fields, leaseUntilMs: null, finishedAtMs: atMs })
        .where(this.ownedBy(deliveryId, token))
        .run().changes === 1
    );
  }

  /** The row is still this claim's: `sending` with the lease end written at claim. */
  private ownedBy(deliveryId: string, token: number) {
    return and(
      eq(pagerDelivery.id, deliveryId),
      eq(pagerDelivery.status, "sending"),
      eq(pagerDelivery.leaseUntilMs, token),
    );
  }
}
