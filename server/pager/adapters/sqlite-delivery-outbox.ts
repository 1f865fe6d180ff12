/**
 * The pager's outbox table (pager_delivery) and its relays' heartbeats (pager_relay_owner) as the relay's
 * `DeliveryOutbox`. A claim is a conditional update (pending; or sending and either past its lease or held by an
 * owner whose heartbeat ran out → sending, claimed by this owner, with a new lease end), so of two relays racing for
 * a row exactly one gets it. Owner and lease end are the claim's token: every later write is conditioned on the
 * row still being `sending` with both, so a relay whose claim was taken over writes nothing.
 *
 * Liveness is compared on the owners' own clocks (wall time in production): processes sharing the file must
 * agree on the time to within a few seconds, as they must for the engines' leases.
 */
import { and, eq, lt, sql } from "drizzle-orm";
import type { AppDatabase } from "@/db/client";
import { pagerDelivery, pagerRelayOwner } from "@/db/schema";
import type { ClaimedDelivery, ClaimToken, DeliveryOutbox, DeliveryResult } from "../ports";

/** Owner rows dead for this long are deleted (a missing owner counts as dead, so this changes no claim). */
const OWNER_ROW_RETENTION_MS = 60 * 60_000;

export class SqliteDeliveryOutbox implements DeliveryOutbox {
  constructor(private readonly db: AppDatabase) {}

  renewOwner(owner: string, nowMs: number, aliveUntilMs: number): void {
    this.db.transaction(
      (tx) => {
        tx.insert(pagerRelayOwner)
          .values({ ownerId: owner, aliveUntilMs, startedAtMs: nowMs, renewedAtMs: nowMs })
          .onConflictDoUpdate({ target: pagerRelayOwner.ownerId, set: { aliveUntilMs, renewedAtMs: nowMs } })
          .run();
        tx.delete(pagerRelayOwner)
          .where(lt(pagerRelayOwner.aliveUntilMs, nowMs - OWNER_ROW_RETENTION_MS))
          .run();
      },
      { behavior: "immediate" },
    );
  }

  releaseOwner(owner: string): void {
    this.db.delete(pagerRelayOwner).where(eq(pagerRelayOwner.ownerId, owner)).run();
  }

  claimDue(request: { owner: string; nowMs: number; leaseUntilMs: number; limit: number }): ClaimedDelivery[] {
    const { owner, nowMs, leaseUntilMs, limit } = request;
    // A row is another live relay's until its lease ends; a dead owner's (no heartbeat row alive now, or none
    // recorded: rows claimed before owners existed) at once. Our own rows only by their lease: we are alive.
    const claimable = sql`(${pagerDelivery.status} = 'pending' or (${pagerDelivery.status} = 'sending' and (
      ${pagerDelivery.leaseUntilMs} < ${nowMs}
      or (${pagerDelivery.claimedBy} is null or ${pagerDelivery.claimedBy} <> ${owner}) and not exists (
        select 1 from ${pagerRelayOwner}
        where ${pagerRelayOwner.ownerId} = ${pagerDelivery.claimedBy} and ${pagerRelayOwner.aliveUntilMs} >= ${nowMs}
      ))))`;
    const candidates = this.db
      .select({ id: pagerDelivery.id })
      .from(pagerDelivery)
      .where(claimable)
      .orderBy(pagerDelivery.createdAtMs)
      .limit(limit)
      .all();
    const claimed: ClaimedDelivery[] = [];
    for (const { id } of candidates) {
      const row = this.db
        .update(pagerDelivery)
        .set({ status: "sending", leaseUntilMs, claimedBy: owner })
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
          claim: { owner, leaseUntilMs },
        });
      }
    }
    return claimed;
  }

  recordAttempt(deliveryId: string, claim: ClaimToken, attempts: number): boolean {
    return this.db.update(pagerDelivery).set({ attempts }).where(this.ownedBy(deliveryId, claim)).run().changes === 1;
  }

  settle(deliveryId: string, claim: ClaimToken, result: DeliveryResult, atMs: number): boolean {
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
        .where(this.ownedBy(deliveryId, claim))
        .run().changes === 1
    );
  }

  /** The row is still this claim's: `sending`, claimed by this owner with the lease end written at claim. */
  private ownedBy(deliveryId: string, claim: ClaimToken) {
    return and(
      eq(pagerDelivery.id, deliveryId),
      eq(pagerDelivery.status, "sending"),
      eq(pagerDelivery.claimedBy, claim.owner),
      eq(pagerDelivery.leaseUntilMs, claim.leaseUntilMs),
    );
  }
}
