/**
 * Test fixture shared by the in-process and the NATS reliability tests: a scripted history of
 * AlarmStatusChanged with the traps of the contract (late older reports after CLEARED, offsets that make the
 * strings sort wrongly, fractions with trailing zeros dropped, equal instants) and the digests it must give.
 */
import type { AlarmDigestMessage, AlarmStatusChangedMessage } from "../messages";

const at = (
  UserID: string,
  AlarmID: string,
  Status: AlarmStatusChangedMessage["Status"],
  ChangedAt: string,
): AlarmStatusChangedMessage => ({ AlarmID, UserID, Status, ChangedAt });

export function scriptedHistory(): AlarmStatusChangedMessage[] {
  return [
    at("u-ann", "A1", "WARNING", "2021-06-07T20:40:15.598765212Z"),
    at("u-ann", "A1", "CRITICAL", "2021-06-07T23:41:00.1+03:00"),
    at("u-ann", "A1", "CLEARED", "2021-06-07T20:42:00Z"),
    at("u-ann", "A1", "WARNING", "2021-06-07T20:40:59.9Z"),
    at("u-ann", "A2", "WARNING", "2021-06-07T21:23:01.828161292Z"),
    at("u-ann", "A2", "CRITICAL", "2021-06-07T21:23:01.828161293Z"),
    at("u-ann", "A3", "CRITICAL", "2021-06-07T20:40:15.5987652Z"),
    at("u-ann", "A3", "CLEARED", "2021-06-07T20:30:00Z"),
    at("u-ann", "A4", "WARNING", "2021-06-07T22:00:00Z"),
    at("u-ann", "A4", "CLEARED", "2021-06-08T01:00:00+03:00"),
    at("u-ann", "A5", "WARNING", "2021-06-07T22:00:00-01:00"),
    at("u-bob", "B1", "CRITICAL", "2021-06-07T10:00:00Z"),
    at("u-bob", "B1", "CLEARED", "2021-06-07T10:05:00Z"),
    at("u-bob", "B2", "CLEARED", "2021-06-07T09:00:00Z"),
    at("u-cid", "A1", "WARNING", "2021-06-07T20:40:15Z"),
  ];
}

const EXPECTED: Record<string, AlarmDigestMessage> = {
  "u-ann": {
    UserID: "u-ann",
    ActiveAlarms: [
      { AlarmID: "A3", Status: "CRITICAL", LatestChangedAt: "2021-06-07T20:40:15.5987652Z" },
      { AlarmID: "A2", Status: "CRITICAL", LatestChangedAt: "2021-06-07T21:23:01.828161293Z" },
      { AlarmID: "A4", Status: "WARNING", LatestChangedAt: "2021-06-07T22:00:00Z" },
      { AlarmID: "A5", Status: "WARNING", LatestChangedAt: "2021-06-07T22:00:00-01:00" },
    ],
  },
  "u-bob": { UserID: "u-bob", ActiveAlarms: [] },
  "u-cid": {
    UserID: "u-cid",
    ActiveAlarms: [{ AlarmID: "A1", Status: "WARNING", LatestChangedAt: "2021-06-07T20:40:15Z" }],
  },
};

/** The first digest each user must get after the whole scripted history, worked out by hand. */
export function expectedDigestAfter(_history: AlarmStatusChangedMessage[], userId: string): AlarmDigestMessage {
  const digest = EXPECTED[userId];
  if (!digest) throw new Error(`no expected digest scripted for ${userId}`);
  return digest;
}
