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
  // One row from 1024 px (the registry path shortened in the middle, full on hover); on a phone
  // the machine's name and the menu only, so the list starts near the top (its figures are the
  // home page's to show, not the header's).
  return (
    <header className="border-b border-zinc-200 bg-white/80 backdrop-blur dark:border-zinc-800 dark:bg-zinc-900/80">
      <div className="mx-auto flex max-w-[1600px] flex-wrap items-center gap-x-5 gap-y-1 px-4 py-2 sm:px-6 sm:py-3 lg:flex-nowrap">
        <Link href="/" className="flex shrink-0 items-center gap-2 font-semibold tracking-tight">
          <span aria-hidden className="grid size-7 place-items-center rounded-md bg-indigo-600 text-sm text-white">
            PM
          </span>
          <span className="max-sm:sr-only">Process Monitor</span>
        </Link>
        <dl className="flex min-w-0 flex-wrap items-center gap-x-4 gap-y-1 text-xs text-zinc-600 lg:flex-1 lg:flex-nowrap dark:text-zinc-400">
          <div className="flex shrink-0 gap-1">
            <dt className="sr-only">Host</dt>
            <dd className="font-medium text-zinc-900 dark:text-zinc-100">{host.hostname}</dd>
          </div>
          <div className="flex shrink-0 gap-1 max-sm:hidden">
            <dt>up</dt>
            <dd>{formatDuration(host.uptimeSeconds)}</dd>
          </div>
          <div className="flex shrink-0 gap-1 max-sm:hidden">
            <dt>load</dt>
            <dd title={`1, 5 and 15 minute averages over ${host.cores} cores`}>{host.load.map((l) => l.toFixed(2)).join(" ")}</dd>
          </div>
          <div className="flex shrink-0 gap-1 max-sm:hidden">
            <dt>memory</dt>
            <dd className="whitespace-nowrap">
              {formatBytes(host.memUsedBytes)} / {formatBytes(host.memTotalBytes)} ({memPercent}%)
            </dd>
          </div>
          <div className="flex min-w-0 gap-1 max-md:hidden">
            <dt>registry</dt>
            <dd className="min-w-0 truncate">
              {host.dbPath === null ? <span>unavailable</span> : <MiddleTruncate text={host.dbPath} max={40} />}
            </dd>
          </div>
          {reporting && <HubStatus status={reporting} />}
        </dl>
        <nav
          aria-label="Main"
          className="ml-auto flex min-w-0 flex-wrap items-center justify-end gap-0.5 text-sm sm:gap-1 lg:shrink-0 lg:flex-nowrap"
        >
          <NavLink href="/">Processes</NavLink>
          {hub && <NavLink href="/fleet">Fleet</NavLink>}
          <NavLink href="/sessions" muted>
            Sessions
          </NavLink>
          <form method="post" action="/logout">
            <button
              type="submit"
              className="whitespace-nowrap rounded-md px-2 py-1.5 sm:px-3 text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800"
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
              className="whitespace-nowrap rounded-md bg-indigo-600 px-2 py-1.5 sm:px-3 font-medium text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
            >
              Launch…
            </Link>
          )}
        </nav>
      </div>
    </header>
  );
}
