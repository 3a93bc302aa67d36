import { hasFailed, statusText, type ProcessView } from "@/lib/processes/status";

type Shown = Parameters<typeof statusText>[0] & Pick<ProcessView, "status">;

const STYLES: Record<ProcessView["status"], string> = {
  running: "bg-emerald-100 text-emerald-800 ring-emerald-600/20 dark:bg-emerald-500/15 dark:text-emerald-300 dark:ring-emerald-400/30",
  unverified: "bg-amber-100 text-amber-800 ring-amber-600/20 dark:bg-amber-500/15 dark:text-amber-300 dark:ring-amber-400/30",
  children: "bg-sky-100 text-sky-800 ring-sky-600/20 dark:bg-sky-500/15 dark:text-sky-300 dark:ring-sky-400/30",
  stopped: "bg-zinc-100 text-zinc-700 ring-zinc-500/20 dark:bg-zinc-500/15 dark:text-zinc-300 dark:ring-zinc-400/25",
};

const FAILED = "bg-rose-100 text-rose-800 ring-rose-600/20 dark:bg-rose-500/15 dark:text-rose-300 dark:ring-rose-400/30";

/**
 * Status by colour and word, so it reads without colour too. Its words and its red are decided
 * here from the record (statusText, hasFailed), so a row, a detail page and the `failed` filter
 * cannot disagree (a detail page once left a signal out of red).
 */
export function StatusBadge({ view }: { view: Shown }) {
  const failed = hasFailed(view);
  return (
    <span
      className={`inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${failed ? FAILED : STYLES[view.status]}`}
      data-status={view.status}
      data-failed={failed}
    >
      <span aria-hidden className={`size-1.5 rounded-full bg-current ${view.status === "running" ? "animate-pulse" : ""}`} />
      {statusText(view)}
    </span>
  );
}
