/**
 * What stands in front of better-auth's endpoints (the auth console's `handle`):
 * - every request gets the client address we resolved (client-address.ts) in CLIENT_ADDRESS_HEADER, which is
 *   all better-auth is told to read, so a client's own X-Forwarded-For never names its session's address;
 * - `POST /sign-in/email` passes the sign-in limit first (sign-in-limit.ts: per address, then per e-mail) and
 *   is answered 429 with Retry-After and a message saying when to try again; its outcome feeds the limit;
 * - better-auth's "Invalid origin" is rewritten to say which address WATCHPOST_BASE_URL holds and what to do.
 */
import type { AddressRange } from "@/server/core/address-ranges";
import { createAddressMatcher } from "@/server/core/address-ranges";
import { readBodyWithin } from "@/server/core/http-body";
import {
  addressLimitKey,
  CLIENT_ADDRESS_HEADER,
  PEER_ADDRESS_HEADER,
  resolveClientAddress,
  UNKNOWN_CLIENT,
} from "./client-address";
import type { SignInLimiter, SignInRefusal } from "./sign-in-limit";

/** A sign-in body is an e-mail, a password and a flag or two; anything larger is not one. */
const MAX_SIGN_IN_BODY_BYTES = 64 * 1024;

export type AuthHandler = (request: Request) => Promise<Response>;
export type SignInGuard = (request: Request, next: AuthHandler) => Promise<Response>;

function json(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

function tooManyAttempts(refusal: SignInRefusal): Response {
  return json(
    429,
    {
      code: refusal.reason === "address" ? "TOO_MANY_SIGN_IN_ATTEMPTS" : "TOO_MANY_FAILED_SIGN_INS",
      message: refusal.message,
      retryAfterSeconds: refusal.retryAfterSeconds,
      retryAt: new Date(refusal.retryAt).toISOString(),
    },
    { "retry-after": String(refusal.retryAfterSeconds) },
  );
}

function isEmailSignIn(request: Request): boolean {
  return request.method === "POST" && new URL(request.url).pathname.replace(/\/+$/, "").endsWith("/sign-in/email");
}

function emailIn(body: string): string | null {
  try {
    const parsed: unknown = JSON.parse(body);
    const email = (parsed as { email?: unknown } | null)?.email;
    return typeof email === "string" && email.trim() !== "" ? email : null;
  } catch {
    return null;
  }
}

/** The origin the browser said it came from (Origin, else the Referer's), or null. */
function requestOrigin(request: Request): string | null {
  const origin = request.headers.get("origin");
  if (origin && origin !== "null") return origin;
  try {
    return new URL(request.headers.get("referer") ?? "").origin;
  } catch {
    return null;
  }
}

/** better-auth's bare "Invalid origin" names nothing to change: say which address is configured and how to change it. */
async function explainOriginRefusal(response: Response, request: Request, baseUrl: string): Promise<Response> {
  if (response.status !== 403) return response;
  let body: { code?: unknown };
  try {
    body = (await response.clone().json()) as { code?: unknown };
  } catch {
    return response;
  }
  if (body.code !== "INVALID_ORIGIN" && body.code !== "MISSING_OR_NULL_ORIGIN") return response;
  const configured = new URL(baseUrl).origin;
  const origin = requestOrigin(request);
  const message = origin
    ? `This page was opened at ${origin}, but the console's address is ${configured} (WATCHPOST_BASE_URL). Open ${configured}/sign-in instead, or set WATCHPOST_BASE_URL=${origin} and restart the console.`
    : `The browser sent no Origin, so the request could not be matched with the console's address ${configured} (WATCHPOST_BASE_URL). Open ${configured}/sign-in and sign in there.`;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify({ code: body.code, message }), { status: 403, headers });
}

export function createSignInGuard(options: {
  limiter: SignInLimiter;
  trustedProxies: readonly AddressRange[];
  baseUrl: string;
  /** Called once when a request came without a peer address (not served by scripts/serve.mjs). */
  onUnknownClient?: () => void;
}): SignInGuard {
  const isTrustedProxy = createAddressMatcher(options.trustedProxies);
  let warned = false;
  return async (request, next) => {
    const client = resolveClientAddress(
      { peer: request.headers.get(PEER_ADDRESS_HEADER), forwardedFor: request.headers.get("x-forwarded-for") },
      isTrustedProxy,
    );
    if (client === UNKNOWN_CLIENT && !warned) {
      warned = true;
      options.onUnknownClient?.();
    }
    const headers = new Headers(request.headers);
    headers.set(CLIENT_ADDRESS_HEADER, client);
    if (!isEmailSignIn(request)) {
      return explainOriginRefusal(await next(new Request(request, { headers })), request, options.baseUrl);
    }

    const byAddress = options.limiter.admitAddress(addressLimitKey(client));
    if (!byAddress.allowed) return tooManyAttempts(byAddress);
    const body = await readBodyWithin(request, MAX_SIGN_IN_BODY_BYTES);
    if (!body.ok)
      return json(body.status, { code: body.status === 413 ? "BODY_TOO_LARGE" : "BAD_REQUEST", message: body.message });
    headers.delete("content-length");
    const forwarded = new Request(request.url, { method: request.method, headers, body: body.text });
    const email = emailIn(body.text);
    // Without an e-mail better-auth refuses the request before any password is checked.
    if (!email) return explainOriginRefusal(await next(forwarded), request, options.baseUrl);

    const byAccount = options.limiter.admitAccount(email);
    if (!byAccount.allowed) return tooManyAttempts(byAccount);
    let response: Response;
    try {
      response = await next(forwarded);
    } catch (error) {
      options.limiter.recordOutcome(email, "not-checked");
      throw error;
    }
    options.limiter.recordOutcome(
      email,
      response.ok ? "signed-in" : response.status === 401 ? "wrong-credentials" : "not-checked",
    );
    return explainOriginRefusal(response, request, options.baseUrl);
  };
}
