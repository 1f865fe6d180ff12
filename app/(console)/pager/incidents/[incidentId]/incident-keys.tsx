"use client";

import { useEffect, useState } from "react";
import { Button } from "@/app/_components/ui";

export type IncidentKeyActions = {
  /** Undefined when the action is not open to this person or this incident now. */
  acknowledge?: () => void;
  resolve?: () => void;
};

const KEYS = [
  { key: "a", does: "Acknowledge the incident (responders and admins, while it is open)" },
  { key: "r", does: "Resolve the incident (responders and admins)" },
  { key: "?", does: "Show or hide this list" },
  { key: "Esc", does: "Close this list" },
] as const;

function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** Keyboard shortcuts on an incident's page: `a` acknowledges, `r` resolves, `?` lists the keys. */
export function IncidentKeys({ acknowledge, resolve }: IncidentKeyActions) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
      if (event.key === "Escape") setOpen(false);
      else if (event.key === "?") setOpen((value) => !value);
      else if (event.key === "a" && acknowledge) acknowledge();
      else if (event.key === "r" && resolve) resolve();
      else return;
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [acknowledge, resolve]);

  return (
    <>
      <p className="mb-3 text-xs text-slate-600 dark:text-slate-400">
        Press <kbd className="rounded border border-slate-300 px-1 font-mono dark:border-slate-600">?</kbd> for the
        keyboard shortcuts.
      </p>
      {open ? (
        <div
          role="dialog"
          aria-modal="false"
          aria-labelledby="incident-keys-heading"
          className="mb-4 rounded-md border border-slate-300 bg-white p-3 text-sm shadow-sm dark:border-slate-700 dark:bg-slate-900"
        >
          <div className="mb-2 flex items-center justify-between gap-2">
            <h2 id="incident-keys-heading" className="font-semibold">
              Keyboard shortcuts
            </h2>
            <Button size="sm" variant="ghost" onClick={() => setOpen(false)}>
              Close
            </Button>
          </div>
          <dl className="grid grid-cols-[3rem_1fr] gap-x-3 gap-y-1">
            {KEYS.map(({ key, does }) => (
              <div key={key} className="contents">
                <dt>
                  <kbd className="rounded border border-slate-300 px-1 font-mono dark:border-slate-600">{key}</kbd>
                </dt>
                <dd>{does}</dd>
              </div>
            ))}
          </dl>
        </div>
      ) : null}
    </>
  );
}
