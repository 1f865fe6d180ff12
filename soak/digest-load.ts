/**
 * Digest traffic over the soak's NATS server, in cycles: publish a few users' AlarmStatusChanged (out of
 * order, with repeats, Go-style timestamps with varying fractions and offsets), wait until the workers applied
 * all of them (the shared status consumer has nothing pending or unacknowledged), ask for those users'
 * digests with SendAlarmDigest, and check each AlarmDigest against the model (digest-model.ts). Publishes go
 * through JetStream so that each is known stored (a PubAck), and are retried across the NATS restart. Digests
 * are read from the outbound stream by an ordered consumer, which resumes by sequence after a restart.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import type { RandomSource } from "@/server/core/random";
import { DigestModel, formatChangedAt, type AlarmStatus, type ReceivedDigest, type StatusReport } from "./digest-model";
import { sleep } from "./cluster";

const STATUSES: AlarmStatus[] = ["CLEARED", "WARNING", "CRITICAL"];
const OFFSETS_MINUTES = [0, 0, 0, 180, -300, 330];
/** Longer than the digest consumer's ack wait (30 s) plus a user lock's expiry (10 s): a killed worker's request comes back. */
const ANSWER_TIMEOUT_MS = 75_000;
const DRAIN_TIMEOUT_MS = 75_000;

export type DigestProblem = { userId: string; atMs: number; problems: string[] };

export class DigestLoad {
  readonly model = new DigestModel();
  readonly problems: DigestProblem[] = [];
  published = 0;
  requested = 0;
  received = 0;
  checked = 0;
  cycles = 0;
  /** Requests never answered within ANSWER_TIMEOUT_MS. */
  unanswered = 0;
  /** Digests nobody asked for (a second answer to one request). */
  unexpected = 0;
  /** Cycles whose status changes were not all applied within DRAIN_TIMEOUT_MS. */
  drainTimeouts = 0;
  private nc: NatsConnection | null = null;
  private js: JetStreamClient | null = null;
  private jsm: JetStreamManager | null = null;
  private readonly pending = new Map<string, { requestedAtMs: number; resolve: () => void }>();
  private stopped = false;
  private loop: Promise<void> | null = null;
  private counter = 0;
  private readonly sent: StatusReport[] = [];

  constructor(
    private readonly options: {
      natsUrl: string;
      prefix: string;
      users: number;
      alarmsPerUser: number;
      random: RandomSource;
      log: (line: string) => void;
    },
  ) {}

  private get names() {
    const { prefix } = this.options;
    return {
      inbound: `${prefix}_digest_inbound`,
      outbound: `${prefix}_digest_outbound`,
      statusConsumer: `${prefix}_digest_status`,
    };
  }

  private userId(index: number): string {
    return `soak-user-${index + 1}`;
  }

  async start(): Promise<void> {
    this.nc = await connect({
      servers: this.options.natsUrl.replace(/^nats:\/\//, ""),
      name: "watchpost-soak",
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    this.js = jetstream(this.nc, { timeout: 5_000 });
    this.jsm = await jetstreamManager(this.nc);
    // The workers create the streams when their digest engine starts.
    for (;;) {
      const info = await this.jsm.streams.info(this.names.outbound).catch(() => null);
      if (info) break;
      await sleep(200);
    }
    const consumer = await this.js.consumers.get(this.names.outbound, { deliver_policy: DeliverPolicy.New });
    const messages = await consumer.consume();
    void (async () => {
      for await (const message of messages) this.onDigest(message.json<ReceivedDigest>());
    })().catch((error: unknown) => this.options.log(`digest consumer stopped: ${String(error)}`));
    this.loop = this.run();
  }

  /** Ends the cycles, then asks every user once more: the last digests must hold every active alarm not yet sent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.cycle(
      Array.from({ length: this.options.users }, (_, index) => this.userId(index)),
      false,
    );
    await this.nc?.drain().catch(() => this.nc?.close());
  }

  private async run(): Promise<void> {
    const { random, users } = this.options;
    while (!this.stopped) {
      const count = random.integer(1, Math.min(3, users));
      const chosen = new Set<string>();
      while (chosen.size < count) chosen.add(this.userId(random.integer(0, users - 1)));
      await this.cycle([...chosen], true);
      await sleep(random.integer(200, 800));
    }
  }

  private async cycle(users: string[], publish: boolean): Promise<void> {
    this.cycles++;
    if (publish) for (const userId of users) await this.publishReports(userId);
    if (!(await this.drained())) {
      this.drainTimeouts++;
      this.problems.push({
        userId: users.join(","),
        atMs: Date.now(),
        problems: [`status changes not all applied within ${DRAIN_TIMEOUT_MS / 1000} s`],
      });
    }
    const answers = users.map(
      (userId) => new Promise<void>((resolve) => this.pending.set(userId, { requestedAtMs: Date.now(), resolve })),
    );
    for (const userId of users) {
      this.requested++;
      await this.publishWithRetry(
        "SendAlarmDigest",
        JSON.stringify({ UserID: userId }),
        `soak-request-${this.requested}`,
      );
    }
    const deadline = sleep(ANSWER_TIMEOUT_MS).then(() => "timeout" as const);
    await Promise.race([Promise.all(answers), deadline]);
    for (const userId of users) {
      if (!this.pending.has(userId)) continue;
      this.pending.delete(userId);
      this.unanswered++;
      this.problems.push({
        userId,
        atMs: Date.now(),
        problems: [`no AlarmDigest within ${ANSWER_TIMEOUT_MS / 1000} s of its SendAlarmDigest`],
      });
    }
  }

  private async publishReports(userId: string): Promise<void> {
    const { random, alarmsPerUser } = this.options;
    const reports = random.integer(1, 5);
    for (let index = 0; index < reports; index++) {
      // A repeat of an earlier report (at-least-once delivery upstream), or a new one up to 3 s in the past,
      // so that later publishes are often older than what is stored and must be rejected.
      const earlier = this.sent.filter((report) => report.UserID === userId);
      const report: StatusReport =
        earlier.length > 0 && random.next() < 0.15
          ? earlier[random.integer(0, earlier.length - 1)]!
          : this.newReport(userId, random.integer(1, alarmsPerUser));
      const { nanos: _nanos, ...body } = report;
      await this.publishWithRetry("AlarmStatusChanged", JSON.stringify(body));
      this.model.record(report);
      this.sent.push(report);
      this.published++;
    }
  }

  private newReport(userId: string, alarm: number): StatusReport {
    const { random } = this.options;
    const millis = Date.now() - random.integer(0, 3_000);
    // The counter in the sub-millisecond digits keeps every instant distinct (no ties to break).
    const nanos = BigInt(millis) * 1_000_000n + BigInt(++this.counter % 1_000_000);
    return {
      AlarmID: `soak-alarm-${userId.replace("soak-user-", "")}-${alarm}`,
      UserID: userId,
      Status: STATUSES[random.integer(0, STATUSES.length - 1)]!,
      ChangedAt: formatChangedAt(nanos, OFFSETS_MINUTES[random.integer(0, OFFSETS_MINUTES.length - 1)]!),
      nanos,
    };
  }

  private async publishWithRetry(subject: string, body: string, msgID?: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.js!.publish(subject, body, msgID ? { msgID } : undefined);
        return;
      } catch (error) {
        if (attempt % 20 === 19) this.options.log(`still retrying a publish on ${subject}: ${String(error)}`);
        await sleep(250);
      }
    }
  }

  private async drained(): Promise<boolean> {
    const until = Date.now() + DRAIN_TIMEOUT_MS;
    while (Date.now() < until) {
      const info = await this.jsm!.consumers.info(this.names.inbound, this.names.statusConsumer).catch(() => null);
      if (info && info.num_pending === 0 && info.num_ack_pending === 0) return true;
      await sleep(100);
    }
    return false;
  }

  private onDigest(digest: ReceivedDigest): void {
    this.received++;
    const waiting = this.pending.get(digest.UserID);
    if (!waiting) {
      this.unexpected++;
      const problems = this.model.check(digest);
      this.problems.push({
        userId: digest.UserID,
        atMs: Date.now(),
        problems: [`a digest nobody was waiting for (${digest.ActiveAlarms.length} alarms)`, ...problems],
      });
      return;
    }
    this.pending.delete(digest.UserID);
    this.checked++;
    const problems = this.model.check(digest);
    if (problems.length > 0) this.problems.push({ userId: digest.UserID, atMs: Date.now(), problems });
    waiting.resolve();
  }
}
