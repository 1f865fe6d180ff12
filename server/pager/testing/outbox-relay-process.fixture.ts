/**
 * A child process for adapters/crash-takeover.test.ts: a real outbox relay (system clock, default heartbeat and
 * lease) on the test's database file, sending to the test's SMTP and SMS receivers. It prints `owner <id>` once
 * started and then delivers until the test kills it (SIGKILL, mid-delivery).
 */
import { openDatabase } from "@/db/client";
import { SystemClock } from "@/server/core/clock";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import { SmtpMailer } from "../adapters/smtp-mailer";
import { SqliteDeliveryOutbox } from "../adapters/sqlite-delivery-outbox";
import { TwilioSms } from "../adapters/twilio-sms";
import { OutboxRelay } from "../outbox-relay";

const [databasePath, smtpUrl, smsUrl] = process.argv.slice(2);
const db = openDatabase(databasePath!, { migrate: false });
const relay = new OutboxRelay({
  outbox: new SqliteDeliveryOutbox(db),
  clock: new SystemClock(),
  random: new SeededRandom(11),
  logger: createLogger("crashing-relay"),
  email: new SmtpMailer(smtpUrl!, "Watchpost <pager@test.local>"),
  sms: new TwilioSms({ apiUrl: smsUrl!, accountSid: "ACtest", from: "+15550100" }),
});
relay.start();
process.stdout.write(`owner ${relay.ownerId}\n`);
