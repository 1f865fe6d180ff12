/**
 * Text messages through an HTTP API shaped like Twilio's Messages API:
 * POST {SMS_API_URL}/2010-04-01/Accounts/{SMS_ACCOUNT_SID}/Messages.json, form-encoded To/From/Body, HTTP Basic
 * auth with the account SID and SMS_AUTH_TOKEN, and Twilio's `I-Twilio-Idempotency-Token` header carrying the
 * delivery's idempotency key. A 4xx other than 429 is permanent (not retried); 5xx and 429 are retried.
 * Each request — connect, answer and body — is bounded by `timeoutMs` (`maxSendMs`, default 10 s), which the
 * outbox relay adds up against its lease; the relay's signal aborts it on shutdown.
 */
import { z } from "zod";
import type { OutgoingSms, SendResult, SmsSender } from "../ports";

export class SmsProviderError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = "SmsProviderError";
  }
}

const messageResponse = z.object({ sid: z.string().min(1) });

export type TwilioSmsOptions = {
  apiUrl: string;
  accountSid: string;
  authToken?: string;
  from: string;
  timeoutMs?: number;
};

export class TwilioSms implements SmsSender {
  readonly maxSendMs: number;

  constructor(private readonly options: TwilioSmsOptions) {
    this.maxSendMs = options.timeoutMs ?? 10_000;
  }

  async send(message: OutgoingSms, signal?: AbortSignal): Promise<SendResult> {
    const { apiUrl, accountSid, authToken, from } = this.options;
    const deadline = AbortSignal.timeout(this.maxSendMs);
    const url = `${apiUrl.replace(/\/$/, "")}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      "I-Twilio-Idempotency-Token": message.idempotencyKey,
    };
    if (authToken) headers.authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`;
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: new URLSearchParams({ To: message.to, From: from, Body: message.body }),
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
    });
    const text = await response.text();
    if (!response.ok) {
      const permanent = response.status >= 400 && response.status < 500 && response.status !== 429;
      throw new SmsProviderError(`SMS provider answered ${response.status}: ${text.slice(0, 200)}`, permanent);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SmsProviderError(`SMS provider answered ${response.status} with a body that is not JSON`, false);
    }
    const body = messageResponse.safeParse(parsed);
    if (!body.success) throw new SmsProviderError("SMS provider answered without a message sid", false);
    return { providerMessageId: body.data.sid };
  }
}
