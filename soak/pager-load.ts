/**
 * PagerDuty Events API v2 traffic to the web tier (POST /api/v1/pager/events): triggers (new dedup keys and
 * repeats), acknowledgements and resolves of what was triggered, on several services at once. Every request
 * and its answer is recorded for the ledger; a request the web tier never answered (it was killed) promised
 * nothing and is only counted.
 */
import type { RandomSource } from "@/server/core/random";
import type { IngestRecord } from "./ledger";

export type SoakService = { id: string; integrationKey: string; name: string };

type ServiceState = { incidentId: string | null; dedupKeys: string[] };

export class PagerLoad {
  readonly records: IngestRecord[] = [];
  private readonly state = new Map<string, ServiceState>();
  private inFlight = 0;
  private sequence = 0;
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly options: {
      baseUrl: string;
      /** Services that get triggers, acknowledgements and resolves. */
      services: SoakService[];
      /** Services that only get triggers: their incidents stay open and escalate. */
      escalating: SoakService[];
      requestsPerSecond: number;
      random: RandomSource;
    },
  ) {
    for (const service of [...options.services, ...options.escalating])
      this.state.set(service.id, { incidentId: null, dedupKeys: [] });
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops sending and waits for the answers in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  private async run(): Promise<void> {
    const { random, requestsPerSecond } = this.options;
    while (!this.stopped) {
      // Exponential gaps: bursts and lulls, as machines send.
      await new Promise((resolve) => setTimeout(resolve, (random.exponential() * 1000) / requestsPerSecond));
      if (this.stopped || this.inFlight >= 16) continue;
      void this.sendOne();
    }
  }

  private pick(): { service: SoakService; action: IngestRecord["action"]; dedupKey: string } {
    const { random, services, escalating } = this.options;
    const sequence = ++this.sequence;
    if (escalating.length > 0 && random.next() < 0.1) {
      const service = escalating[random.integer(0, escalating.length - 1)]!;
      return { service, action: "trigger", dedupKey: `soak-escalating-${service.id}` };
    }
    const service = services[random.integer(0, services.length - 1)]!;
    const state = this.state.get(service.id)!;
    const draw = random.next();
    if (state.incidentId && state.dedupKeys.length > 0 && draw < 0.45) {
      const dedupKey = state.dedupKeys[random.integer(0, state.dedupKeys.length - 1)]!;
      return { service, action: draw < 0.3 ? "acknowledge" : "resolve", dedupKey };
    }
    const repeat = state.dedupKeys.length > 0 && random.next() < 0.3;
    const dedupKey = repeat
      ? state.dedupKeys[random.integer(0, state.dedupKeys.length - 1)]!
      : `soak-${service.id}-${sequence}`;
    return { service, action: "trigger", dedupKey };
  }

  private async sendOne(): Promise<void> {
    const { service, action, dedupKey } = this.pick();
    const record: IngestRecord = { action, serviceId: service.id, dedupKey, sentAtMs: Date.now(), status: null };
    this.records.push(record);
    this.inFlight++;
    try {
      const response = await fetch(`${this.options.baseUrl}/api/v1/pager/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          routing_key: service.integrationKey,
          event_action: action,
          dedup_key: dedupKey,
          ...(action === "trigger"
            ? { payload: { summary: `soak ${dedupKey}`, source: "soak", severity: "critical" } }
            : {}),
        }),
        signal: AbortSignal.timeout(15_000),
      });
      record.status = response.status;
      const body = (await response.json().catch(() => ({}))) as { outcome?: string; incident_id?: string | null };
      record.outcome = body.outcome;
      record.incidentId = body.incident_id ?? null;
      if (response.status === 202) this.learn(service.id, action, dedupKey, body.outcome, body.incident_id ?? null);
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.inFlight--;
    }
  }

  /** Follows each service's current incident from the answers, so acknowledgements and resolves find it. */
  private learn(serviceId: string, action: string, dedupKey: string, outcome?: string, incidentId?: string | null) {
    const state = this.state.get(serviceId)!;
    if (action === "trigger" && (outcome === "opened" || outcome === "deduplicated") && incidentId) {
      if (state.incidentId !== incidentId) state.dedupKeys = [];
      state.incidentId = incidentId;
      if (!state.dedupKeys.includes(dedupKey)) state.dedupKeys.push(dedupKey);
    } else if (action === "resolve" && (outcome === "resolved" || outcome === "already-resolved")) {
      state.incidentId = null;
      state.dedupKeys = [];
    } else if (outcome === "unknown-incident") {
      state.dedupKeys = state.dedupKeys.filter((key) => key !== dedupKey);
      if (state.dedupKeys.length === 0) state.incidentId = null;
    }
  }

  summary(): { sent: number; accepted: number; unanswered: number; refused: number } {
    let accepted = 0;
    let unanswered = 0;
    let refused = 0;
    for (const record of this.records) {
      if (record.status === 202) accepted++;
      else if (record.status === null) unanswered++;
      else refused++;
    }
    return { sent: this.records.length, accepted, unanswered, refused };
  }
}
