/**
 * The bench's baseline: a bare consume-and-ack worker with the same client library and consumer settings as
 * the digest worker, doing nothing else. Run as a child process by bench/digests/index.ts:
 *   tsx bench/digests/bare-consumer.ts <nats-url> <stream> <durable>
 */
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { STATUS_PULL_MESSAGES } from "@/server/digests/adapters/nats-transport";

async function main(): Promise<void> {
  const [url = "nats://127.0.0.1:4222", stream, durable] = process.argv.slice(2);
  if (!stream || !durable) throw new Error("usage: bare-consumer.ts <nats-url> <stream> <durable>");
  const nc = await connect({ servers: url.replace(/^nats:\/\//, "") });
  const consumer = await jetstream(nc).consumers.get(stream, durable);
  await consumer.consume({ max_messages: STATUS_PULL_MESSAGES, callback: (message) => message.ack() });
  process.stdout.write("bare consumer ready\n");
  process.once("SIGTERM", () => void nc.drain().finally(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`bare consumer failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
