/**
 * Test kit (used only by tests): real providers to send to. An in-process SMTP server (smtp-server) and a local
 * HTTP receiver shaped like Twilio's Messages API, so tests check what the providers actually receive.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export type ReceivedMail = { to: string[]; raw: string; subject: string; idempotencyKey: string | undefined };

export async function startSmtpReceiver(): Promise<{
  url: string;
  messages: ReceivedMail[];
  close: () => Promise<void>;
}> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const headers = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, " ");
        const header = (name: string) => headers.match(new RegExp(`^${name}: (.*)$`, "mi"))?.[1]?.trim();
        messages.push({
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw,
          subject: header("Subject") ?? "",
          idempotencyKey: header("X-Watchpost-Idempotency-Key"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export type ReceivedSms = {
  path: string;
  to: string;
  from: string;
  body: string;
  idempotencyToken: string | undefined;
  authorization: string | undefined;
};

/**
 * A local Twilio-shaped receiver. `messages` are the requests it accepted (answered 201); `arrivals` every request
 * that reached it, failed or held ones too. `failNext` makes the next N requests answer 503 (or `status`);
 * `holdNext` makes the next N requests arrive and never be answered (a provider that took the message and went
 * quiet while its sender died).
 */
export async function startSmsReceiver(): Promise<{
  url: string;
  messages: ReceivedSms[];
  arrivals: ReceivedSms[];
  failNext: (count: number, status?: number) => void;
  holdNext: (count: number) => void;
  close: () => Promise<void>;
}> {
  const messages: ReceivedSms[] = [];
  const arrivals: ReceivedSms[] = [];
  let failures = 0;
  let failureStatus = 503;
  let holds = 0;
  const readBody = (request: IncomingMessage) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
  const server: Server = createServer(async (request, response) => {
    const form = new URLSearchParams(await readBody(request));
    const received: ReceivedSms = {
      path: request.url ?? "",
      to: form.get("To") ?? "",
      from: form.get("From") ?? "",
      body: form.get("Body") ?? "",
      idempotencyToken: request.headers["i-twilio-idempotency-token"] as string | undefined,
      authorization: request.headers.authorization,
    };
    arrivals.push(received);
    if (holds > 0) {
      holds--;
      return;
    }
    if (failures > 0) {
      failures--;
      response
        .writeHead(failureStatus, { "content-type": "application/json" })
        .end(JSON.stringify({ message: "try later" }));
      return;
    }
    messages.push(received);
    response
      .writeHead(201, { "content-type": "application/json" })
      .end(JSON.stringify({ sid: `SM${messages.length.toString().padStart(32, "0")}`, status: "queued" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    arrivals,
    failNext: (count, status = 503) => {
      failures = count;
      failureStatus = status;
    },
    holdNext: (count) => {
      holds = count;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Held requests would keep close() waiting for ever.
        server.closeAllConnections();
      }),
  };
}
