/**
 * Which transport and which state store the digest engine uses, and on which subjects: the rule that NATS_URL
 * turns both to NATS unless asked otherwise, and that asking for NATS without NATS_URL is a configuration error.
 * The composition (server/jobs/digests.ts) builds the adapters the mode names; the console shows it.
 */
import { DEFAULT_SUBJECTS, type DigestSubjects } from "./messages";

export type DigestsMode = { transport: "in-process" | "nats"; state: "sqlite" | "nats-kv"; subjects: DigestSubjects };

export type DigestsModeRequest = {
  /** Defaults to "nats" when NATS_URL is set. */
  transport?: DigestsMode["transport"];
  /** Defaults to "nats-kv" when NATS_URL is set: replicas on several machines share it. */
  state?: DigestsMode["state"];
  subjects?: DigestSubjects;
};

export function resolveDigestsMode(natsUrl: string | undefined, request: DigestsModeRequest = {}): DigestsMode {
  const transport = request.transport ?? (natsUrl ? "nats" : "in-process");
  const state = request.state ?? (natsUrl ? "nats-kv" : "sqlite");
  if ((transport === "nats" || state === "nats-kv") && !natsUrl)
    throw new Error(
      "The digest engine was asked to use NATS but NATS_URL is not set: set NATS_URL=nats://127.0.0.1:4222.",
    );
  return { transport, state, subjects: request.subjects ?? { ...DEFAULT_SUBJECTS } };
}
