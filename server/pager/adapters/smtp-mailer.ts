/**
 * E-mail over SMTP with nodemailer (SMTP_URL, SMTP_FROM). The Message-ID is derived from the delivery's
 * idempotency key, so a retried send of the same page carries the same id and mail systems can drop the copy.
 */
import { createHash } from "node:crypto";
import nodemailer, { type Transporter } from "nodemailer";
import type { EmailSender, OutgoingEmail, SendResult } from "../ports";

export class SmtpMailer implements EmailSender {
  private readonly transporter: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transporter = nodemailer.createTransport(smtpUrl);
  }

  async send(message: OutgoingEmail): Promise<SendResult> {
    const messageId = `<${createHash("sha256").update(message.idempotencyKey).digest("hex").slice(0, 32)}@watchpost.pager>`;
    const info = await this.transporter.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      messageId,
      headers: { "X-Watchpost-Idempotency-Key": message.idempotencyKey },
    });
    return { providerMessageId: String(info.messageId ?? messageId) };
  }

  close(): void {
    this.transporter.close();
  }
}
