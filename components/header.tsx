import Link from "next/link";
import { NavLink } from "./nav-link";
import { formatBytes, formatDuration } from "@/lib/format";
import type { WorkstationInfo } from "@/lib/processes/local";
import type { AgentStatus } from "@/lib/fleet/agent/agent";
import { HubStatus } from "./hub-status";
import { MiddleTruncate } from "./middle-truncate";

export interface HeaderProps {
  /** This workstation, for a signed-in reader; null before login (nothing about the machine then). */
  host: WorkstationInfo | null;
  viewer: boolean;
  hub: boolean;
  /** This workstation's reporting to a hub, when it reports to one. */
  reporting?: AgentStatus | null;
}

/** The workstation at a glance: which machine, how loaded, and which registry file. */
export function Header({ host, viewer, hub, reporting = null }: HeaderProps) {
  if (!host) {
    // Nothing about the machine before login.
    return (
      <header className="border-b border-zinc-200 bg-white/80 dark:border-zinc-800 dark:bg-zinc-900/80">
        <div className="mx-auto flex max-w-[1600px] items-center gap-2 px-4 py-3 font-semibold sm:px-6">
          <span aria-hidden className="grid size-7 place-items-center rounded-md bg-indigo-600 text-sm text-white">
            PM
          </span>
          Process Monitor
        </div>
      </header>
    );
  }
  const memPercent = Math.round((100 * host.memUsedBytes) / host.memTotalBytes);
  return (
    <header className="border-b border-zinc-200 bg-white/80 backdrop-blur dark:border-zinc-800 dark:bg-zinc-900/80">
      <div className="mx-auto flex max-w-[1600px] flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <span aria-hidden className="grid size-7 place-items-center rounded-md bg-indigo-600 text-sm text-white">
            PM
          </span>
          Process Monitor
        </Link>
        <dl className="flex flex-wrap items-center gap-x-5 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400">
          <div className="flex gap-1">
            <dt className="sr-only">Host</dt>
            <dd className="font-medium text-zinc-900 dark:text-zinc-100">{host.hostname}</dd>
          </div>
          <div className="flex gap-1">
            <dt>up</dt>
            <dd>{formatDuration(host.uptimeSeconds)}</dd>
          </div>
          <div className="flex gap-1">
            <dt>load</dt>
            <dd title={`1, 5 and 15 minute averages over ${host.cores} cores`}>{host.load.map((l) => l.toFixed(2)).join(" ")}</dd>
          </div>
          <div className="flex gap-1">
            <dt>memory</dt>
            <dd>
              {formatBytes(host.memUsedBytes)} / {formatBytes(host.memTotalBytes)} ({memPercent}%)
            </dd>
          </div>
          <div className="flex min-w-0 gap-1">
            <dt>registry</dt>
            <dd className="min-w-0">{host.dbPath === null ? <span>unavailable</span> : <MiddleTruncate text={host.dbPath} max={56} />}</dd>
          </div>
          {reporting && <HubStatus status={reporting} />}
        </dl>
        <nav aria-label="Main" className="ml-auto flex flex-wrap items-center gap-1 text-sm sm:gap-2">
          <NavLink href="/">Processes</NavLink>
          {hub && <NavLink href="/fleet">Fleet</NavLink>}
          <NavLink href="/sessions" muted>
            Sessions
          </NavLink>
          <form method="post" action="/logout">
            <button
              type="submit"
              className="whitespace-nowrap rounded-md px-3 py-1.5 text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800"
            >
              Log out
            </button>
          </form>
          {viewer ? (
            <span
              className="rounded-md bg-zinc-100 px-3 py-1.5 text-xs text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300"
              data-testid="viewer-badge"
            >
              read-only
            </span>
          ) : (
            <Link
              href="/launch"
              className="rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
            >
              Launch…
            </Link>
          )}
        </nav>
      </div>
    </header>
  );
}
