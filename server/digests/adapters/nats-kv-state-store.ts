/**
 * The digest state in a NATS KV bucket, for several replicas on several machines. Every read-modify-write is a
 * compare-and-set (`kv.update(key, value, revision)`, or `kv.create` for a new key) retried on conflict (API
 * error 10071), so two workers never lose each other's updates. Keys (ids base64url-encoded, so any id is a
 * valid key):
 *   a.<user>.<alarm>   latest report of the alarm and what the user was last sent of it
 *   r.<request>        the digest prepared for a request (a redelivered request reuses it)
 *   h.<user>.<digest>  the user's digest history (digest ids sort by time)
 *   l.<user>           the user's digest lock: who prepares a digest for the user now
 * A digest is prepared under its user's lock (taken and released with compare-and-set, taken over once it has
 * stayed unchanged for DIGEST_LOCK_MS, when its holder died), so that two replicas answering two requests for one user at the same
 * moment never both include an alarm: the second reads the first one's sent markers.
 * Listing for the console (it is also the read model) scans keys or the bucket, which is fine for a console page
 * but not a hot path.
 */
import { JetStreamApiError, StorageType } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { AuditEntry } from "@/server/core/audit";
import { sleep, type Clock } from "@/server/core/clock";
import { createId } from "@/server/core/ids";
import {
  isActive,
  nextSentMarker,
  oldestFirst,
  selectDigestAlarms,
  supersedes,
  type AlarmState,
  type AlarmStatus,
  type AlarmStatusChange,
  type DigestAlarm,
} from "../alarm-state";
import type {
  ApplyOutcome,
  DigestReadModel,
  DigestRecord,
  DigestRequest,
  DigestStateStore,
  PageRequest,
  PageResult,
  UserWithActiveAlarms,
} from "../ports";
import type { LazyNatsConnection } from "./nats-connection";

type StoredAlarm = { s: AlarmStatus; c: string; n: string; ss?: AlarmStatus; sn?: string };
type StoredDigest = {
  id: string;
  u: string;
  k: string;
  by: string;
  at: number;
  p: number | null;
  alarms: { a: string; s: AlarmStatus; c: string; n: string }[];
};

const encode = (id: string) => Buffer.from(id, "utf8").toString("base64url");
const decode = (part: string) => Buffer.from(part, "base64url").toString("utf8");
const alarmKey = (userId: string, alarmId: string) => `a.${encode(userId)}.${encode(alarmId)}`;
const requestKey = (key: string) => `r.${encode(key)}`;
const historyKey = (userId: string, digestId: string) => `h.${encode(userId)}.${encode(digestId)}`;
const lockKey = (userId: string) => `l.${encode(userId)}`;

/** A lock unchanged this long is taken over (its holder died): far longer than preparing a digest takes. */
export const DIGEST_LOCK_MS = 10_000;
/** A request gives up waiting for its user's lock after this long (it is redelivered and tried again). */
export const DIGEST_LOCK_WAIT_MS = 60_000;
type StoredLock = { owner: string; at: number };

export function isCompareAndSetConflict(error: unknown): boolean {
  if (error instanceof JetStreamApiError && error.code === 10071) return true;
  return error instanceof Error && /wrong last sequence|10071/i.test(error.message);
}

function toState(userId: string, alarmId: string, stored: StoredAlarm): AlarmState {
  return {
    userId,
    alarmId,
    status: stored.s,
    changedAt: stored.c,
    changedAtNanos: BigInt(stored.n),
    lastSent: stored.ss && stored.sn ? { status: stored.ss, changedAtNanos: BigInt(stored.sn) } : null,
  };
}

function toRecord(stored: StoredDigest): DigestRecord {
  return {
    id: stored.id,
    userId: stored.u,
    requestKey: stored.k,
    requestedBy: stored.by,
    createdAtMs: stored.at,
    publishedAtMs: stored.p,
    alarms: stored.alarms.map((alarm) => ({
      alarmId: alarm.a,
      status: alarm.s,
      changedAt: alarm.c,
      changedAtNanos: BigInt(alarm.n),
    })),
  };
}

function fromRecord(record: DigestRecord): StoredDigest {
  return {
    id: record.id,
    u: record.userId,
    k: record.requestKey,
    by: record.requestedBy,
    at: record.createdAtMs,
    p: record.publishedAtMs,
    alarms: record.alarms.map((alarm) => ({
      a: alarm.alarmId,
      s: alarm.status,
      c: alarm.changedAt,
      n: alarm.changedAtNanos.toString(),
    })),
  };
}

export type NatsKvStateStoreOptions = {
  connection: LazyNatsConnection;
  prefix: string;
  clock: Clock;
  /** Audit entries are written on their own after the commit: KV and SQLite cannot commit together. */
  recordAudit: (entry: AuditEntry) => Promise<void>;
  /** A user's digest lock unchanged this long is taken over (DIGEST_LOCK_MS by default). */
  lockTakeoverMs?: number;
  /** Lock takeovers and overlaps (logged as warnings by the worker). */
  onWarning?: (fields: Record<string, unknown>, message: string) => void;
};

export class NatsKvDigestStateStore implements DigestStateStore, DigestReadModel {
  readonly bucketName: string;
  private bucket: Promise<KV> | null = null;

  constructor(private readonly options: NatsKvStateStoreOptions) {
    this.bucketName = `${options.prefix}_digest_state`;
  }

  private kv(): Promise<KV> {
    this.bucket ??= (async () => {
      const { js } = await this.options.connection.get();
      return new Kvm(js).create(this.bucketName, { storage: StorageType.File, history: 1 });
    })().catch((error: unknown) => {
      this.bucket = null;
      throw error;
    });
    return this.bucket;
  }

  /** Reads `key`, lets `change` compute the next value, and writes it with compare-and-set until it sticks. */
  private async compareAndSet<T, R>(
    kv: KV,
    key: string,
    change: (current: T | null) => { value: T; result: R } | { skip: R },
  ): Promise<R> {
    for (;;) {
      const entry = await kv.get(key);
      const current = entry && entry.operation === "PUT" ? entry.json<T>() : null;
      const next = change(current);
      if ("skip" in next) return next.skip;
      try {
        const body = JSON.stringify(next.value);
        if (entry) await kv.update(key, body, entry.revision);
        else await kv.create(key, body);
        return next.result;
      } catch (error) {
        if (!isCompareAndSetConflict(error)) throw error;
      }
    }
  }

  async applyChanges(changes: readonly AlarmStatusChange[]): Promise<ApplyOutcome[]> {
    const kv = await this.kv();
    // Reports of one alarm in one batch go in order; different alarms go in parallel.
    const byKey = new Map<string, number[]>();
    changes.forEach((change, index) => {
      const key = alarmKey(change.userId, change.alarmId);
      byKey.set(key, [...(byKey.get(key) ?? []), index]);
    });
    const outcomes: ApplyOutcome[] = new Array(changes.length);
    await Promise.all(
      [...byKey].map(async ([key, indexes]) => {
        for (const index of indexes) {
          const change = changes[index]!;
          outcomes[index] = await this.compareAndSet<StoredAlarm, ApplyOutcome>(kv, key, (current) => {
            const currentState = current ? toState(change.userId, change.alarmId, current) : null;
            if (!supersedes(change, currentState)) return { skip: "ignored" };
            return {
              value: { ...current, s: change.status, c: change.changedAt, n: change.changedAtNanos.toString() },
              result: "applied",
            };
          });
        }
      }),
    );
    return outcomes;
  }

  private async readUserAlarms(kv: KV, userId: string): Promise<AlarmState[]> {
    const keys: string[] = [];
    for await (const key of await kv.keys(`a.${encode(userId)}.*`)) keys.push(key);
    const entries = await Promise.all(keys.map((key) => kv.get(key)));
    return entries.flatMap((entry, index) =>
      entry && entry.operation === "PUT"
        ? [toState(userId, decode(keys[index]!.split(".")[2]!), entry.json<StoredAlarm>())]
        : [],
    );
  }

  private async markSent(kv: KV, userId: string, alarms: readonly DigestAlarm[]): Promise<void> {
    await Promise.all(
      alarms.map((alarm) =>
        this.compareAndSet<StoredAlarm, void>(kv, alarmKey(userId, alarm.alarmId), (current) => {
          if (!current) return { skip: undefined };
          const marker = nextSentMarker(
            current.ss && current.sn ? { status: current.ss, changedAtNanos: BigInt(current.sn) } : null,
            alarm,
          );
          if (current.ss === marker.status && current.sn === marker.changedAtNanos.toString())
            return { skip: undefined };
          return { value: { ...current, ss: marker.status, sn: marker.changedAtNanos.toString() }, result: undefined };
        }),
      ),
    );
  }

  async prepareDigest(
    request: DigestRequest,
    newId: () => string,
    audit?: AuditEntry,
  ): Promise<{ record: DigestRecord; reused: boolean }> {
    const kv = await this.kv();
    return this.withUserLock(kv, request.userId, () => this.prepareLocked(kv, request, newId, audit));
  }

  /**
   * Runs `work` holding the user's digest lock. A lock held by another replica is waited for (polled with a
   * growing pause, up to 250 ms) until it is released, or taken over once it has stayed unchanged (same
   * revision) for DIGEST_LOCK_MS by this replica's own clock: replicas on several machines never compare each
   * other's clocks. After DIGEST_LOCK_WAIT_MS it gives up with an error (the request is redelivered). The
   * release deletes the lock only if it is still this holder's (compare-and-set on its revision).
   */
  private async withUserLock<T>(kv: KV, userId: string, work: () => Promise<T>): Promise<T> {
    const key = lockKey(userId);
    const owner = createId("lock");
    const { clock } = this.options;
    const takeoverMs = this.options.lockTakeoverMs ?? DIGEST_LOCK_MS;
    const startedAt = clock.now();
    let seen = null as { revision: number; since: number } | null;
    let revision: number;
    for (let attempt = 0; ; attempt++) {
      const entry = await kv.get(key);
      const now = clock.now();
      const held = entry && entry.operation === "PUT" ? entry.json<StoredLock>() : null;
      const entryRevision = entry ? entry.revision : 0;
      if (held && seen?.revision !== entryRevision) seen = { revision: entryRevision, since: now };
      if (!held || now - (seen?.since ?? now) >= takeoverMs) {
        try {
          const body = JSON.stringify({ owner, at: now } satisfies StoredLock);
          revision = entry ? await kv.update(key, body, entryRevision) : await kv.create(key, body);
          if (held)
            this.options.onWarning?.(
              { userId, holder: held.owner },
              `took over the digest lock of user ${userId} from ${held.owner}, unchanged for ${takeoverMs} ms (its replica probably died)`,
            );
          break;
        } catch (error) {
          if (!isCompareAndSetConflict(error)) throw error;
          continue; // another replica took it first: look again
        }
      }
      if (now - startedAt >= DIGEST_LOCK_WAIT_MS) {
        throw new Error(
          `the digest lock of user ${userId} has been held by ${held.owner} (other digests for this user) for over ${DIGEST_LOCK_WAIT_MS} ms; the request is retried when it is redelivered`,
        );
      }
      await sleep(clock, Math.min(250, 5 * 2 ** Math.min(attempt, 6)));
    }
    try {
      return await work();
    } finally {
      await kv.delete(key, { previousSeq: revision }).catch((error: unknown) => {
        if (!isCompareAndSetConflict(error)) throw error;
        this.options.onWarning?.(
          { userId },
          `the digest lock of user ${userId} was taken over while this replica held it (a digest took over ${takeoverMs} ms); two digests may have overlapped`,
        );
      });
    }
  }

  private async prepareLocked(
    kv: KV,
    request: DigestRequest,
    newId: () => string,
    audit?: AuditEntry,
  ): Promise<{ record: DigestRecord; reused: boolean }> {
    const existing = await this.readRequest(kv, request.requestKey);
    if (existing) {
      // A crash may have come between storing the digest and recording its history and sent markers: finish
      // that (idempotent).
      if (existing.publishedAtMs === null) {
        await kv.put(historyKey(existing.userId, existing.id), JSON.stringify(fromRecord(existing)));
        await this.markSent(kv, existing.userId, existing.alarms);
      }
      return { record: existing, reused: true };
    }
    const alarms = selectDigestAlarms(await this.readUserAlarms(kv, request.userId));
    const record: DigestRecord = {
      id: newId(),
      userId: request.userId,
      requestKey: request.requestKey,
      requestedBy: request.requestedBy,
      createdAtMs: request.requestedAtMs,
      alarms,
      publishedAtMs: null,
    };
    try {
      await kv.create(requestKey(request.requestKey), JSON.stringify(fromRecord(record)));
    } catch (error) {
      if (!isCompareAndSetConflict(error)) throw error;
      // Another replica prepared this request first (a redelivery racing the original): use its digest.
      const winner = await this.readRequest(kv, request.requestKey);
      if (winner) return { record: winner, reused: true };
      throw error;
    }
    await kv.put(historyKey(record.userId, record.id), JSON.stringify(fromRecord(record)));
    await this.markSent(kv, record.userId, alarms);
    if (audit)
      await this.options.recordAudit({
        ...audit,
        details: { ...audit.details, digestId: record.id, alarmCount: alarms.length },
      });
    return { record, reused: false };
  }

  private async readRequest(kv: KV, key: string): Promise<DigestRecord | null> {
    const entry = await kv.get(requestKey(key));
    return entry && entry.operation === "PUT" ? toRecord(entry.json<StoredDigest>()) : null;
  }

  async markPublished(record: DigestRecord, atMs: number): Promise<void> {
    const kv = await this.kv();
    const published = fromRecord({ ...record, publishedAtMs: atMs });
    await kv.put(historyKey(record.userId, record.id), JSON.stringify(published));
    await kv.put(requestKey(record.requestKey), JSON.stringify(published));
  }

  async listUsersWithActiveAlarms(page: PageRequest, inlineAlarms: number): Promise<PageResult<UserWithActiveAlarms>> {
    const kv = await this.kv();
    // Every alarm's latest value through one ordered consumer (the bucket keeps one value per key, so its
    // history is the current state; a later value of a key replaces an earlier one all the same), instead of a
    // key listing and a read per key.
    const byUser = new Map<string, AlarmState[]>();
    const latest = new Map<string, StoredAlarm | null>();
    for await (const entry of await kv.history({ key: "a.>" }))
      latest.set(entry.key, entry.operation === "PUT" ? entry.json<StoredAlarm>() : null);
    for (const [key, stored] of latest) {
      if (!stored || !isActive(stored.s)) continue;
      const [, encodedUser, encodedAlarm] = key.split(".");
      const userId = decode(encodedUser!);
      byUser.set(userId, [...(byUser.get(userId) ?? []), toState(userId, decode(encodedAlarm!), stored)]);
    }
    const users = [...byUser.keys()].sort((a, b) => (a < b ? -1 : 1));
    const start = (page.page - 1) * page.pageSize;
    const items = users.slice(start, start + page.pageSize).map((userId): UserWithActiveAlarms => {
      const active = byUser.get(userId)!;
      const newest = active.reduce((a, b) => (b.changedAtNanos > a.changedAtNanos ? b : a));
      return {
        userId,
        activeCount: active.length,
        criticalCount: active.filter((state) => state.status === "CRITICAL").length,
        latestChangedAt: newest.changedAt,
        firstAlarms: active.sort(oldestFirst).slice(0, inlineAlarms),
      };
    });
    return { items, total: users.length, ...page };
  }

  async listActiveAlarms(userId: string, page: PageRequest): Promise<PageResult<AlarmState>> {
    const kv = await this.kv();
    const active = (await this.readUserAlarms(kv, userId)).filter((state) => isActive(state.status)).sort(oldestFirst);
    const start = (page.page - 1) * page.pageSize;
    return { items: active.slice(start, start + page.pageSize), total: active.length, ...page };
  }

  async listDigests(filter: { userId?: string }, page: PageRequest): Promise<PageResult<DigestRecord>> {
    const kv = await this.kv();
    const keys: string[] = [];
    for await (const key of await kv.keys(filter.userId ? `h.${encode(filter.userId)}.*` : "h.>")) keys.push(key);
    keys.sort((a, b) => (decode(a.split(".")[2]!) < decode(b.split(".")[2]!) ? 1 : -1));
    const start = (page.page - 1) * page.pageSize;
    const entries = await Promise.all(keys.slice(start, start + page.pageSize).map((key) => kv.get(key)));
    return {
      items: entries.flatMap((entry) =>
        entry && entry.operation === "PUT" ? [toRecord(entry.json<StoredDigest>())] : [],
      ),
      total: keys.length,
      ...page,
    };
  }
}
