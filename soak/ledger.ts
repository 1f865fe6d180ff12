/**
 * The soak's loss ledger, as pure functions over what the soak recorded (requests and their answers, what the
 * providers received, the kills) and what the database holds at the end. Kept apart from the process juggling
 * so that each rule of the ledger is tested on its own (ledger.test.ts): a ledger that cannot count a loss
 * proves nothing.
 */

/** A process the soak killed (SIGKILL) or restarted, with the time it did. */
export type Kill = { atMs: number; target: string; kind: "web" | "worker" | "nats" };

/** One request to POST /api/v1/pager/events and its answer (status null: no answer, the web tier was down). */
export type IngestRecord = {
  action: "trigger" | "acknowledge" | "resolve";
  serviceId: string;
  dedupKey: string;
  sentAtMs: number;
  status: number | null;
  outcome?: string;
  incidentId?: string | null;
  error?: string;
};

export type IncidentRow = {
  id: string;
  serviceId: string;
  state: "open" | "acknowledged" | "resolved";
  dedupKey: string | null;
  openedAtMs: number;
  acknowledgedAtMs: number | null;
  resolvedAtMs: number | null;
};

export type IncidentKeyRow = { incidentId: string; dedupKey: string };

export type LostEvent = { record: IngestRecord; why: string };

/**
 * Every 202 must have left its trace: a trigger an incident (opened, or the dedup key on the incident it was
 * deduplicated onto), an acknowledgement an incident acknowledged (or resolved since), a resolve a resolved one.
 * Answers that did nothing (already acknowledged, unknown incident) promise nothing and are not checked.
 */
export function acceptedEventsLost(
  records: readonly IngestRecord[],
  incidents: readonly IncidentRow[],
  keys: readonly IncidentKeyRow[],
): { accepted: number; lost: LostEvent[]; outcomes: Record<string, number> } {
  const byId = new Map(incidents.map((incident) => [incident.id, incident]));
  const keysOf = new Map<string, Set<string>>();
  for (const { incidentId, dedupKey } of keys) {
    const set = keysOf.get(incidentId) ?? new Set<string>();
    set.add(dedupKey);
    keysOf.set(incidentId, set);
  }
  const lost: LostEvent[] = [];
  const outcomes: Record<string, number> = {};
  let accepted = 0;
  for (const record of records) {
    if (record.status !== 202) continue;
    accepted++;
    const outcome = record.outcome ?? "?";
    outcomes[`${record.action}:${outcome}`] = (outcomes[`${record.action}:${outcome}`] ?? 0) + 1;
    const incident = record.incidentId ? byId.get(record.incidentId) : undefined;
    const expectsIncident = ["opened", "deduplicated", "acknowledged", "resolved"].includes(outcome);
    if (!expectsIncident) continue;
    if (!incident) {
      lost.push({
        record,
        why: `answered ${outcome} for ${record.incidentId ?? "no incident"}, which is not in the database`,
      });
      continue;
    }
    if (incident.serviceId !== record.serviceId) {
      lost.push({ record, why: `incident ${incident.id} belongs to ${incident.serviceId}, not ${record.serviceId}` });
      continue;
    }
    if (outcome === "opened" || outcome === "deduplicated") {
      const known = incident.dedupKey === record.dedupKey || keysOf.get(incident.id)?.has(record.dedupKey);
      if (!known) lost.push({ record, why: `dedup key ${record.dedupKey} is not recorded on incident ${incident.id}` });
    } else if (outcome === "acknowledged") {
      if (incident.acknowledgedAtMs === null && incident.state !== "resolved")
        lost.push({ record, why: `incident ${incident.id} is ${incident.state}, never acknowledged` });
    } else if (outcome === "resolved" && incident.state !== "resolved") {
      lost.push({ record, why: `incident ${incident.id} is ${incident.state}, not resolved` });
    }
  }
  return { accepted, lost, outcomes };
}

export type DeliveryRow = {
  idempotencyKey: string;
  incidentId: string;
  step: number;
  level: number;
  channel: "email" | "sms";
  address: string;
  status: "pending" | "sending" | "sent" | "not_sent" | "failed";
  createdAtMs: number;
  reason: string | null;
};

export type TimerRow = { incidentId: string; step: number; dueAtMs: number };

/** What a provider received: the idempotency key the page carried and when the receiver had all of it. */
export type Receipt = { key: string | undefined; channel: "email" | "sms"; atMs: number };

/** A repeat within this time after a worker's death counts as the send that was in flight (issue 11, point 6). */
export const IN_FLIGHT_WINDOW_MS = 5_000;
/** The receiver stamps a page when it has all of it, which may be a moment after the kill was issued. */
const KILL_CLOCK_TOLERANCE_MS = 250;

export type Duplicate = { key: string; receipts: number[]; inFlight: boolean; kill?: Kill };

export type PageLedger = {
  pages: number;
  received: number;
  /** Pages received more than once without a worker's death to explain it. */
  duplicates: Duplicate[];
  /** Repeats of a send that was in flight when its worker was killed (same idempotency key). */
  inFlightRepeats: Duplicate[];
  /** Due before the cut-off, yet neither delivered nor settled by the end. */
  undelivered: DeliveryRow[];
  /** Settled as failed or not sent (the receivers never refuse: something is wrong). */
  notSent: DeliveryRow[];
  /** Recorded as sent, never seen by a receiver. */
  sentNotReceived: DeliveryRow[];
  /** Receipts with a key no delivery row has. */
  unknownReceipts: number;
  /** The longest time from a worker's kill to the delivery of a page that was due at the kill. */
  longestDelayAfterCrash: { ms: number; key: string; kill: Kill; undelivered: boolean } | null;
  /** Due → first delivery over all pages: the median and the longest. */
  medianDelayMs: number | null;
  longestDelayMs: number | null;
};

/**
 * When a page was due: a first-level page when its incident opened (or, for an incident an alert rule opened,
 * when the rule's state change was committed, `openedBy`); an escalation when the timer of the step before it
 * was due. A page held back by a dead process counts from then, not from when a survivor finally wrote it.
 */
export function pageDueAt(
  delivery: DeliveryRow,
  timers: ReadonlyMap<string, number>,
  openedBy: ReadonlyMap<string, number>,
): number {
  if (delivery.step > 0) return timers.get(`${delivery.incidentId}/${delivery.step - 1}`) ?? delivery.createdAtMs;
  return Math.min(openedBy.get(delivery.incidentId) ?? delivery.createdAtMs, delivery.createdAtMs);
}

export function pageLedger(input: {
  deliveries: readonly DeliveryRow[];
  receipts: readonly Receipt[];
  timers: readonly TimerRow[];
  kills: readonly Kill[];
  /** incident id → when the alert rule's state change that opened it was committed. */
  openedBy?: ReadonlyMap<string, number>;
  /** Pages due after this are still in progress at the end and judged only if they arrived. */
  cutoffMs: number;
  endMs: number;
}): PageLedger {
  const { deliveries, receipts, kills, cutoffMs, endMs } = input;
  const timers = new Map(input.timers.map((timer) => [`${timer.incidentId}/${timer.step}`, timer.dueAtMs]));
  const openedBy = input.openedBy ?? new Map<string, number>();
  const workerKills = kills.filter((kill) => kill.kind === "worker").sort((a, b) => a.atMs - b.atMs);
  const receivedAt = new Map<string, number[]>();
  let unknownReceipts = 0;
  const rowKeys = new Set(deliveries.map((delivery) => delivery.idempotencyKey));
  for (const receipt of receipts) {
    if (!receipt.key || !rowKeys.has(receipt.key)) {
      unknownReceipts++;
      continue;
    }
    const times = receivedAt.get(receipt.key) ?? [];
    times.push(receipt.atMs);
    receivedAt.set(receipt.key, times);
  }

  const duplicates: Duplicate[] = [];
  const inFlightRepeats: Duplicate[] = [];
  for (const [key, times] of receivedAt) {
    if (times.length < 2) continue;
    times.sort((a, b) => a - b);
    // Every repeat must follow a worker's death that caught the previous send in flight.
    let explainedBy: Kill | undefined;
    let explained = true;
    for (let index = 1; index < times.length; index++) {
      const previous = times[index - 1]!;
      const kill = workerKills.find(
        (candidate) =>
          candidate.atMs + KILL_CLOCK_TOLERANCE_MS >= previous &&
          candidate.atMs <= previous + IN_FLIGHT_WINDOW_MS &&
          candidate.atMs <= times[index]!,
      );
      if (!kill) explained = false;
      explainedBy ??= kill;
    }
    const duplicate = { key, receipts: times, inFlight: explained, kill: explainedBy };
    (explained ? inFlightRepeats : duplicates).push(duplicate);
  }

  const undelivered: DeliveryRow[] = [];
  const notSent: DeliveryRow[] = [];
  const sentNotReceived: DeliveryRow[] = [];
  const delays: number[] = [];
  let longestDelayAfterCrash: PageLedger["longestDelayAfterCrash"] = null;
  for (const delivery of deliveries) {
    const due = pageDueAt(delivery, timers, openedBy);
    const first = receivedAt.get(delivery.idempotencyKey)?.[0];
    if (delivery.status === "failed" || delivery.status === "not_sent") notSent.push(delivery);
    if (delivery.status === "sent" && first === undefined) sentNotReceived.push(delivery);
    if (first === undefined && (due > cutoffMs || delivery.status === "failed" || delivery.status === "not_sent"))
      continue;
    if (first === undefined) undelivered.push(delivery);
    const arrived = first ?? endMs;
    if (first !== undefined) delays.push(first - due);
    for (const kill of workerKills) {
      if (kill.atMs < due || kill.atMs >= arrived) continue;
      const ms = arrived - kill.atMs;
      if (!longestDelayAfterCrash || ms > longestDelayAfterCrash.ms)
        longestDelayAfterCrash = { ms, key: delivery.idempotencyKey, kill, undelivered: first === undefined };
    }
  }
  delays.sort((a, b) => a - b);
  return {
    pages: deliveries.length,
    received: receipts.length,
    duplicates,
    inFlightRepeats,
    undelivered,
    notSent,
    sentNotReceived,
    unknownReceipts,
    longestDelayAfterCrash,
    medianDelayMs: delays.length ? delays[Math.floor(delays.length / 2)]! : null,
    longestDelayMs: delays.length ? delays[delays.length - 1]! : null,
  };
}

/** The capture against the simulated database's own log: every executed event up to `throughSeq`, once. */
export function captureLedger(
  executed: readonly { executionId: string; seq: number }[],
  captured: readonly { id: string; seq: number }[],
  throughSeq: number,
): { expected: number; captured: number; missing: string[]; duplicated: string[]; mismatched: string[] } {
  const counts = new Map<string, { count: number; seq: number }>();
  for (const row of captured) {
    const entry = counts.get(row.id);
    counts.set(row.id, { count: (entry?.count ?? 0) + 1, seq: row.seq });
  }
  const missing: string[] = [];
  const mismatched: string[] = [];
  let expected = 0;
  for (const event of executed) {
    if (event.seq > throughSeq) continue;
    expected++;
    const row = counts.get(event.executionId);
    if (!row) missing.push(event.executionId);
    else if (row.seq !== event.seq) mismatched.push(event.executionId);
  }
  const duplicated = [...counts].filter(([, entry]) => entry.count > 1).map(([id]) => id);
  return { expected, captured: captured.length, missing, duplicated, mismatched };
}
