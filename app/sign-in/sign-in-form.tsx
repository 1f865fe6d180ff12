"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { authClient } from "@/app/_components/auth-client";
import { Button, Callout, Field, Input } from "@/app/_components/ui";

const WRONG_CREDENTIALS =
  "That e-mail and password do not match an account. Check both and try again; if you have no account, ask an admin to add you.";

/** Where to go after signing in: a path on this site only, never another host (no open redirect). */
function sameOriginPath(next: string | null): string {
  if (!next) return "/";
  try {
    const target = new URL(next, window.location.origin);
    return target.origin === window.location.origin ? `${target.pathname}${target.search}` : "/";
  } catch {
    return "/";
  }
}

function messageFor(error: { status?: number; message?: string; code?: string }): string {
  if (error.status === 401 || error.code === "INVALID_EMAIL_OR_PASSWORD") return WRONG_CREDENTIALS;
  // The server says how long to wait and until when (server/auth/sign-in-guard.ts).
  if (error.status === 429) return error.message ?? "Too many sign-in attempts. Wait a minute, then try again.";
  if (error.code === "INVALID_EMAIL") return "Enter a valid e-mail address, such as ana@example.com.";
  return error.message ? `Sign-in failed: ${error.message}` : "Sign-in failed. Try again in a moment.";
}

export function SignInForm() {
  const router = useRouter();
  const next = useSearchParams().get("next");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // After a 429: when the server lets this address try again (its Retry-After); the button waits until then.
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (retryAt === null) return;
    const timer = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= retryAt) {
        setRetryAt(null);
        setError(null);
      }
    }, 1_000);
    return () => clearInterval(timer);
  }, [retryAt]);
  const waitSeconds = retryAt === null ? 0 : Math.max(1, Math.ceil((retryAt - now) / 1000));

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "").trim();
    const password = String(form.get("password") ?? "");
    if (!email || !password) {
      setError("Enter your e-mail and your password.");
      return;
    }
    setPending(true);
    setError(null);
    let retryAfterSeconds = 0;
    const result = await authClient.signIn.email(
      { email, password },
      {
        onError: ({ response }) => {
          retryAfterSeconds = Number(response.headers.get("retry-after")) || 0;
        },
      },
    );
    setPending(false);
    if (result.error?.status === 429 && retryAfterSeconds > 0) {
      setNow(Date.now());
      setRetryAt(Date.now() + retryAfterSeconds * 1000);
    }
    if (result.error) {
      setError(messageFor(result.error));
      return;
    }
    router.replace(sameOriginPath(next));
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate aria-describedby={error ? "sign-in-error" : undefined}>
      <Field label="E-mail" htmlFor="email">
        <Input id="email" name="email" type="email" autoComplete="username" required />
      </Field>
      <Field label="Password" htmlFor="password">
        <Input id="password" name="password" type="password" autoComplete="current-password" required />
      </Field>
      {error ? (
        <div id="sign-in-error">
          <Callout tone="error">{error}</Callout>
        </div>
      ) : null}
      <Button type="submit" pending={pending} disabled={retryAt !== null} className="w-full">
        Sign in
      </Button>
      {retryAt !== null ? (
        <p role="status" className="text-center text-sm text-slate-600 dark:text-slate-400">
          You can sign in again in {waitSeconds} s.
        </p>
      ) : null}
    </form>
  );
}
