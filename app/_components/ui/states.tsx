import type { ReactNode } from "react";
import { Callout } from "./callout";

/** What a panel shows while it has nothing to show. */
export function EmptyState({ title, children, icon }: { title: ReactNode; children?: ReactNode; icon?: ReactNode }) {
  return (
    <div className="flex flex-col items-center justify-center gap-2 rounded-lg border border-dashed border-slate-300 px-6 py-10 text-center dark:border-slate-700">
      {icon ? (
        <div className="text-slate-400" aria-hidden>
          {icon}
        </div>
      ) : null}
      <p className="font-medium">{title}</p>
      {children ? <div className="max-w-md text-sm text-slate-600 dark:text-slate-400">{children}</div> : null}
    </div>
  );
}

export function LoadingState({ label = "Loading…" }: { label?: string }) {
  return (
    <div
      role="status"
      aria-live="polite"
      className="flex items-center gap-2 px-2 py-6 text-sm text-slate-500 dark:text-slate-400"
    >
      <span className="size-4 animate-spin rounded-full border-2 border-slate-400 border-t-transparent" aria-hidden />
      {label}
    </div>
  );
}

export function ErrorState({ error, retry }: { error: { message: string } | null | undefined; retry?: () => void }) {
  return (
    <Callout tone="error" title="This panel could not load">
      <p>{error?.message ?? "Unknown error."}</p>
      {retry ? (
        <button type="button" onClick={retry} className="mt-1 underline">
          Try again
        </button>
      ) : null}
    </Callout>
  );
}
