/**
 * One lazily opened NATS connection, shared by the digest adapters of a process. Connecting is async while the
 * composition root is sync, so each adapter asks for the connection when it first needs it. Given a connection
 * board, it reports its state there (readiness, the Overview) and logs its disconnects and reconnects.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  followConnectionEvents,
  type ConnectionStatusBoard,
  type ConnectionTracker,
} from "@/server/core/connection-status";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";

export type NatsHandles = { nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager };

export class LazyNatsConnection {
  private handles: Promise<NatsHandles> | null = null;
  private readonly tracker: ConnectionTracker | undefined;

  constructor(
    private readonly servers: string,
    private readonly name: string,
    options: { connections?: ConnectionStatusBoard } = {},
  ) {
    this.tracker = options.connections?.track({
      name: "digests",
      service: "NATS",
      target: servers,
      open: () => this.get(),
    });
  }

  get(): Promise<NatsHandles> {
    this.handles ??= (async () => {
      this.tracker?.connecting();
      const nc = await connect({
        servers: this.servers.replace(/^nats:\/\//, ""),
        name: this.name,
        maxReconnectAttempts: -1,
      });
      if (this.tracker) {
        this.tracker.connected();
        followConnectionEvents(nc.status(), this.tracker);
      }
      return { nc, js: jetstream(nc), jsm: await jetstreamManager(nc) };
    })().catch((error: unknown) => {
      this.handles = null;
      this.tracker?.failed(error);
      throw new Error(
        `Cannot reach NATS at ${this.servers}: ${error instanceof Error ? error.message : String(error)}. Start nats-server with JetStream (-js) or unset NATS_URL.`,
        { cause: error },
      );
    });
    return this.handles;
  }

  async close(): Promise<void> {
    const handles = this.handles;
    this.handles = null;
    if (!handles) return;
    const { nc } = await handles.catch(() => ({ nc: null }));
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}
