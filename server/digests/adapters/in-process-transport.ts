/**
 * The in-process transport (the default when NATS_URL is unset): publishing a message hands it straight to the
 * engine's handler, and a digest goes to the local listeners. Delivery is synchronous, so nothing is in flight
 * when the publisher's promise resolves.
 */
import type { Clock } from "@/server/core/clock";
import { createId } from "@/server/core/ids";
import { DEFAULT_SUBJECTS, type AlarmDigestMessage, type DigestSubjects } from "../messages";
import type { DigestTransport, DigestTransportHandlers } from "../ports";

export class InProcessDigestTransport implements DigestTransport {
  readonly kind = "in-process" as const;
  private handlers: DigestTransportHandlers | null = null;
  private readonly listeners = new Set<(digest: AlarmDigestMessage) => void>();

  constructor(
    private readonly clock: Clock,
    private readonly subjects: DigestSubjects = DEFAULT_SUBJECTS,
  ) {}

  async start(handlers: DigestTransportHandlers): Promise<void> {
    this.handlers = handlers;
  }

  async stop(): Promise<void> {
    this.handlers = null;
  }

  /** Receives every digest published on this transport. */
  onDigest(listener: (digest: AlarmDigestMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publishStatusChanged(body: string): Promise<void> {
    await this.requireHandlers().onStatusChanged([this.message(this.subjects.statusChanged, body)]);
  }

  async publishDigestRequest(body: string): Promise<void> {
    await this.requireHandlers().onDigestRequest(this.message(this.subjects.digestRequest, body));
  }

  async publishDigest(digest: AlarmDigestMessage): Promise<void> {
    for (const listener of this.listeners) listener(digest);
  }

  private message(subject: string, body: string) {
    return { key: createId("msg"), subject, body, receivedAtMs: this.clock.now() };
  }

  private requireHandlers(): DigestTransportHandlers {
    if (!this.handlers)
      throw new Error(
        "The digest engine is not running in this process (WATCHPOST_ENGINES): start it, or set NATS_URL so that a worker answers.",
      );
    return this.handlers;
  }
}
