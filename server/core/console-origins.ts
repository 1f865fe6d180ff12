/**
 * The check that refuses cross-site writes (the tRPC route's mutations): a request whose Origin header is present
 * must come from one of the console's origins. Which origins those are is sign-in's rule (server/auth/auth.ts,
 * `trustedOriginsFor`: WATCHPOST_BASE_URL's origin and loopback on the console's port), passed in, so that both
 * checks accept the same addresses.
 */

/** Null when `origin` (an Origin header; null when absent) is one of `trusted`; otherwise the refusal's message. */
export function refuseForeignOrigin(
  origin: string | null,
  trusted: readonly string[],
  setting: { baseUrl: string; port: number },
): string | null {
  if (origin === null) return null;
  let normalised = origin;
  try {
    normalised = new URL(origin).origin;
  } catch {
    // "null" (a sandboxed frame, a redirect across sites) and garbage are not URLs: neither is trusted.
  }
  if (normalised !== "null" && trusted.includes(normalised)) return null;
  return `Refused: this request comes from ${origin}, which is not the console's address. Changes are accepted only from WATCHPOST_BASE_URL (${new URL(setting.baseUrl).origin}) or from localhost, 127.0.0.1 or [::1] on port ${setting.port}. If people reach the console at ${origin}, set WATCHPOST_BASE_URL to it and restart.`;
}
