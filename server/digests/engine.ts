/**
 * The digest engine's long-running part: starts the transport with the use cases as its handlers, feeds the
 * alert engine's transitions in from the event bus, and stops both (then lets the composition release what it
 * opened, such as the shared NATS connection). Shaped like server/jobs' Engine without importing it.
 */
import type { EventBus } from "@/server/core/events";
import type { Logger } from "@/server/core/logger";
import type { DigestsMode } from "./mode";
import type { DigestTransport } from "./ports";
import type { DigestsUseCases } from "./use-cases";

export type DigestsEngineDependencies = {
  useCases: DigestsUseCases;
  transport: DigestTransport;
  bus: EventBus;
  mode: DigestsMode;
  logger: Logger;
  /** Runs after the transport stopped (the composition closes the connection its adapters share). */
  afterStop?: () => Promise<void>;
};

export class DigestsEngine {
  readonly name = "digests";
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: DigestsEngineDependencies) {}

  async start(): Promise<void> {
    const { useCases, transport, bus, mode, logger } = this.deps;
    await transport.start({
      onStatusChanged: (batch) => useCases.handleStatusChanged(batch),
      onDigestRequest: async (message) => void (await useCases.handleDigestRequest(message)),
    });
    // The alert engine's transitions become AlarmStatusChanged for each subscribed user; the bus redelivers on
    // failure and a repeated report is ignored, so at-least-once is safe.
    this.unsubscribe = bus.subscribe("alert.state-changed", (event) => useCases.ingestAlertStateChanged(event));
    logger.info({ ...mode }, "digest engine running");
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.deps.transport.stop();
    await this.deps.afterStop?.();
  }
}
