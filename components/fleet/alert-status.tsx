import type { AlertStatus } from "@/lib/alerts/sender";

/** Crash alerts at a glance; a delivery problem is said plainly, since alerts are easy to lose quietly. */
export function AlertStatusNote({ status }: { status: AlertStatus | null }) {
  if (!status) return null;
  const troubled = status.lastError !== null && (status.failed > 0 || status.waiting > 0);
  return (
    <p
      role={troubled ? "alert" : "note"}
      data-testid="alert-status"
      className={`rounded-lg border p-3 text-sm ${
        troubled
          ? "border-rose-300 bg-rose-50 text-rose-900 dark:border-rose-500/40 dark:bg-rose-500/10 dark:text-rose-200"
          : "border-zinc-200 bg-white text-zinc-700 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-300"
      }`}
    >
      Crash alerts go to {status.webhook}: {status.delivered} delivered
      {status.heldBack > 0 ? `, ${status.heldBack} held back in bursts (summarised)` : ""}
      {status.waiting > 0 ? `, ${status.waiting} being retried` : ""}
      {status.failed > 0 ? `, ${status.failed} given up` : ""}.{troubled && ` Last problem (${status.lastErrorAt}): ${status.lastError}.`}
    </p>
  );
}
