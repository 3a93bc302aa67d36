import Link from "next/link";
import type { FleetHostInfo } from "@/lib/fleet/hub/snapshot";
import { formatBytes } from "@/lib/format";
import { LocalTime } from "../local-time";
import { HostStatusBadge } from "./host-status";
import { listHref, type FleetPageState } from "@/lib/processes/query-params";

/** Every enrolled workstation: status, last report, counts and crashes in the last 24 hours. */
export function HostTable({
  hosts,
  selected,
  query,
  readOnly = false,
}: {
  hosts: FleetHostInfo[];
  selected: string;
  query?: FleetPageState;
  /** A viewer's: no "Launch…", which the form would refuse it. */
  readOnly?: boolean;
}) {
  // A column heading that orders the hosts by it (kept in the URL with the rest of the page's state).
  const sortHeading = (label: string, by: FleetPageState["hostSort"]) =>
    query ? (
      <Link
        href={listHref(query, { hostSort: by }, "/fleet")}
        scroll={false}
        aria-current={query.hostSort === by ? "true" : undefined}
        className={`hover:underline ${query.hostSort === by ? "text-zinc-900 dark:text-zinc-100" : ""}`}
      >
        {label}
        {query.hostSort === by ? " ↓" : ""}
        <span className="sr-only">{query.hostSort === by ? " (sorted by this)" : ` (sort hosts by ${label.toLowerCase()})`}</span>
      </Link>
    ) : (
      label
    );
  return (
    <div
      tabIndex={0}
      role="region"
      aria-label="Host table"
      className="relative overflow-x-auto rounded-lg border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      <table className="w-full min-w-[760px] text-sm">
        <thead className="border-b border-zinc-200 bg-zinc-50 text-left text-xs font-medium uppercase tracking-wide text-zinc-500 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400">
          <tr>
            <th className="px-3 py-2">{sortHeading("Host", "name")}</th>
            <th className="px-3 py-2">Status</th>
            <th className="px-3 py-2">Last report</th>
            <th className="px-3 py-2 text-right">Running / total</th>
            <th className="px-3 py-2 text-right">{sortHeading("Crashes (24 h)", "crashes")}</th>
            <th className="px-3 py-2">{sortHeading("Load", "load")}</th>
            <th className="px-3 py-2">
              <span className="sr-only">Filter</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {hosts.map((host) => (
            <tr key={host.key} data-host={host.name} className={selected === host.name ? "bg-indigo-50/60 dark:bg-indigo-500/10" : ""}>
              <td className="whitespace-nowrap px-3 py-2">
                <Link href={`/fleet/${host.name}`} className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
                  {host.name}
                </Link>
                {host.hostname.toLowerCase() !== host.name && (
                  <span className="ml-2 text-xs text-zinc-500 dark:text-zinc-400">{host.hostname}</span>
                )}
                {(host.facts?.tags ?? []).map((tag) => (
                  <Link
                    key={tag}
                    href={query ? listHref(query, { tag, page: 1 }, "/fleet") : `/fleet?tag=${encodeURIComponent(tag)}`}
                    scroll={false}
                    className="ml-1.5 rounded-full bg-zinc-100 px-2 py-0.5 text-xs text-zinc-700 hover:bg-zinc-200 dark:bg-zinc-800 dark:text-zinc-300"
                    data-testid="host-tag"
                  >
                    {tag}
                    <span className="sr-only"> (only hosts tagged {tag})</span>
                  </Link>
                ))}
                {host.sharesIdWith.length > 0 && (
                  <span
                    className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-800 dark:bg-amber-500/15 dark:text-amber-300"
                    title={`Reports the same host id as ${host.sharesIdWith.join(", ")} from another machine: a cloned disk image?`}
                    data-testid="clone-flag"
                  >
                    same id as {host.sharesIdWith.join(", ")}
                  </span>
                )}
                {host.sharedSecretAt !== null && (
                  <span
                    className="ml-2 rounded bg-rose-100 px-1.5 py-0.5 text-xs text-rose-800 dark:bg-rose-500/15 dark:text-rose-300"
                    title="Two machines reported in turns with this host's one secret (a full disk clone, secret included?). The second was refused and must be approved."
                    data-testid="shared-secret-flag"
                  >
                    two machines, one secret
                  </span>
                )}
                {host.pending && (
                  <span className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-800 dark:bg-amber-500/15 dark:text-amber-300">
                    re-enrolment waiting
                  </span>
                )}
              </td>
              <td className="px-3 py-2">
                <HostStatusBadge status={host.status} revoked={host.revoked} />
              </td>
              <td className="whitespace-nowrap px-3 py-2">
                <LocalTime seconds={host.lastSeen === null ? null : host.lastSeen / 1000} />
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums" data-testid="host-counts">
                {host.running} / {host.total}
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums">
                {host.crashes24h > 0 ? (
                  // To this host's failed records in the list below.
                  <Link
                    href={`/fleet?host=${encodeURIComponent(host.name)}&status=failed`}
                    scroll={false}
                    aria-label={`${host.crashes24h} crash${host.crashes24h === 1 ? "" : "es"} in the last 24 h on ${host.name}: show its failed records`}
                    className="font-medium text-rose-700 underline-offset-2 hover:underline dark:text-rose-400"
                  >
                    {host.crashes24h}
                  </Link>
                ) : (
                  <span className="text-zinc-500 dark:text-zinc-400">0</span>
                )}
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-xs text-zinc-600 dark:text-zinc-400">
                {host.facts
                  ? `load ${host.facts.load[0]?.toFixed(2) ?? "–"} · ${host.facts.cores} cores · ${formatBytes(host.facts.memTotalBytes)}`
                  : "–"}
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-right">
                {host.remoteLaunch && !readOnly && (
                  <Link
                    href={`/launch?host=${encodeURIComponent(host.name)}`}
                    className="rounded px-2 py-1 text-xs text-indigo-700 hover:bg-indigo-50 dark:text-indigo-300 dark:hover:bg-indigo-500/10"
                    title="Its workstation takes launches from the hub"
                    data-testid="launch-on-host"
                  >
                    Launch…<span className="sr-only"> on {host.name}</span>
                  </Link>
                )}
                <Link
                  href={selected === host.name ? "/fleet" : `/fleet?host=${encodeURIComponent(host.name)}`}
                  scroll={false}
                  className="rounded px-2 py-1 text-xs text-indigo-700 hover:bg-indigo-50 dark:text-indigo-300 dark:hover:bg-indigo-500/10"
                >
                  {selected === host.name ? "All hosts" : "Only this host"}
                  <span className="sr-only"> ({host.name})</span>
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
