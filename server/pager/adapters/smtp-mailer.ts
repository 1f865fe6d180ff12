/**
 * E-mail over SMTP with nodemailer (SMTP_URL, SMTP_FROM). The Message-ID is derived from the delivery's
 * idempotency key (`messageIdFor`), so every send of the same page — a retry, or another relay's after the first
 * sender died mid-send — carries the same id, and mail systems and clients that drop duplicate ids drop the copy.
 *
 * Every send is bounded: nodemailer's defaults (2 min to connect, 10 min of socket silence) would let one slow
 * server hold a send past the outbox relay's lease, and another relay would then send the page again. So the
 * transport gets short connection / greeting / socket timeouts and each send an overall deadline (`maxSendMs`),
 * which the relay adds up against its lease.
 */
import { createHash } from "node:crypto";
import nodemailer, { type Transporter } from "nodemailer";
import type { EmailSender, OutgoingEmail, SendResult } from "../ports";

export type SmtpMailerOptions = {
  /** TCP connect. Default 10 s. */
  connectionTimeoutMs?: number;
  /** Connected until the server's greeting. Default 10 s. */
  greetingTimeoutMs?: number;
  /** Socket inactivity. Default 20 s. */
  socketTimeoutMs?: number;
  /** The whole send, however the server drips its answers. Default 30 s. */
  sendTimeoutMs?: number;
};

/** The Message-ID of every e-mail for one delivery: `<first 32 hex of sha256(idempotency key)@watchpost>`. */
export function messageIdFor(idempotencyKey: string): string {
  return `<${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 32)}@watchpost>`;
}

export class SmtpMailer implements EmailSender {
  readonly maxSendMs: number;
  private readonly transporter: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    options: SmtpMailerOptions = {},
  ) {
    const {
      connectionTimeoutMs = 10_000,
      greetingTimeoutMs = 10_000,
      socketTimeoutMs = 20_000,
      sendTimeoutMs = 30_000,
    } = options;
    this.maxSendMs = sendTimeoutMs;
    this.transporter = nodemailer.createTransport({
      url: smtpUrl,
      connectionTimeout: connectionTimeoutMs,
      greetingTimeout: greetingTimeoutMs,
      socketTimeout: socketTimeoutMs,
    });
  }

  async send(message: OutgoingEmail, signal?: AbortSignal): Promise<SendResult> {
    const messageId = messageIdFor(message.idempotencyKey);
    const deadline = AbortSignal.timeout(this.maxSendMs);
    const stop = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const sending = this.transporter.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      messageId,
      headers: { "X-Watchpost-Idempotency-Key": message.idempotencyKey },
    });
    // nodemailer cannot cancel a send; we stop waiting for it (its socket timeout closes the connection).
    const info = await new Promise<Awaited<typeof sending>>((resolve, reject) => {
      const onStop = () =>
        reject(
          deadline.aborted
            ? new Error(`SMTP send did not finish within ${this.maxSendMs} ms`)
            : new Error("SMTP send aborted: the outbox relay is stopping"),
        );
      if (stop.aborted) return onStop();
      stop.addEventListener("abort", onStop, { once: true });
      sending.then(resolve, reject).finally(() => stop.removeEventListener("abort", onStop));
    });
    return { providerMessageId: String(info.messageId ?? messageId) };
  }

  close(): void {
    this.transporter.close();
  }
}
