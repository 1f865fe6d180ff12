"use client";

import { Button } from "./button";

/** Previous / next with the totals, for every paginated table. */
export function Pagination({
  page,
  pageSize,
  total,
  onPageChange,
  label = "rows",
}: {
  page: number;
  pageSize: number;
  total: number;
  onPageChange: (page: number) => void;
  label?: string;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <nav
      aria-label={`Pages of ${label}`}
      className="mt-3 flex items-center justify-between gap-2 text-sm text-slate-600 dark:text-slate-400"
    >
      <span>
        {first}–{last} of {total} {label}
      </span>
      <span className="flex items-center gap-2">
        <Button
          variant="secondary"
          size="sm"
          disabled={page <= 1}
          onClick={() => onPageChange(page - 1)}
          aria-label="Previous page"
        >
          Previous
        </Button>
        <span aria-live="polite">
          Page {page} of {pages}
        </span>
        <Button
          variant="secondary"
          size="sm"
          disabled={page >= pages}
          onClick={() => onPageChange(page + 1)}
          aria-label="Next page"
        >
          Next
        </Button>
      </span>
    </nav>
  );
}
