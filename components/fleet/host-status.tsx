import type { HostStatus } from "@/lib/fleet/hub/status";

const STYLES: Record<HostStatus, string> = {
  online: "bg-emerald-100 text-emerald-800 ring-emerald-600/20 dark:bg-emerald-500/15 dark:text-emerald-300 dark:ring-emerald-400/30",
  stale: "bg-amber-100 text-amber-800 ring-amber-600/20 dark:bg-amber-500/15 dark:text-amber-300 dark:ring-amber-400/30",
  offline: "bg-zinc-200 text-zinc-800 ring-zinc-500/25 dark:bg-zinc-500/20 dark:text-zinc-200 dark:ring-zinc-400/30",
};

/** A host's status by colour and word. */
export function HostStatusBadge({ status, revoked = false }: { status: HostStatus; revoked?: boolean }) {
  return (
    <span
      className={`inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STYLES[status]}`}
      data-host-status={status}
    >
      <span aria-hidden className={`size-1.5 rounded-full bg-current ${status === "online" ? "animate-pulse" : ""}`} />
      {revoked ? "revoked" : status}
    </span>
  );
}
