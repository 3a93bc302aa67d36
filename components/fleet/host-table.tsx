import Link from "next/link";
import type { FleetHostInfo } from "@/lib/fleet/hub/snapshot";
import { formatBytes } from "@/lib/format";
import { LocalTime } from "../local-time";
import { HostStatusBadge } from "./host-status";
import { listHref, type FleetPageState } from "@/lib/processes/query-params";

/**
 * Below 640 px a host is a card, never cut or scrolled sideways: name, tags and status, then its
 * last report, counts, crashes and load, then its links. The header keeps its sort links, labelled.
 */
const PHONE = {
  table: "max-sm:block",
  head: "max-sm:block",
  headRow: "max-sm:flex max-sm:flex-wrap max-sm:items-center max-sm:gap-x-3 max-sm:px-3 max-sm:py-2",
  headCell: "max-sm:p-0",
  body: "max-sm:block",
  row: "max-sm:flex max-sm:flex-wrap max-sm:items-center max-sm:gap-x-3 max-sm:px-3 max-sm:py-2 max-sm:after:order-3 max-sm:after:basis-full max-sm:after:content-['']",
  cell: "max-sm:p-0",
  name: "max-sm:order-1 max-sm:min-w-0 max-sm:flex-1 max-sm:whitespace-normal",
  status: "max-sm:order-2",
  figure: "max-sm:order-4 max-sm:mt-1 max-sm:text-left max-sm:text-xs",
  links: "max-sm:order-5 max-sm:-ml-2 max-sm:mt-1 max-sm:basis-full max-sm:text-left",
  hidden: "max-sm:hidden",
} as const;

/** Words a phone's card puts before a figure that a column heading names on a wide screen. */
const OnPhone = ({ children }: { children: React.ReactNode }) => <span className="sm:hidden">{children}</span>;

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
      <table className={`w-full text-sm sm:min-w-[760px] ${PHONE.table}`}>
        <thead
          className={`border-b border-zinc-200 bg-zinc-50 text-left text-xs font-medium uppercase tracking-wide text-zinc-500 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400 ${PHONE.head} ${query ? "" : PHONE.hidden}`}
        >
          <tr className={PHONE.headRow}>
            <th className="font-normal normal-case tracking-normal sm:hidden">Sort by</th>
            <th className={`px-3 py-2 ${PHONE.headCell}`}>{sortHeading("Host", "name")}</th>
            <th className={`px-3 py-2 ${PHONE.hidden}`}>Status</th>
            <th className={`px-3 py-2 ${PHONE.hidden}`}>Last report</th>
            <th className={`px-3 py-2 text-right ${PHONE.hidden}`}>Running / total</th>
            <th className={`px-3 py-2 text-right ${PHONE.headCell}`}>{sortHeading("Crashes (24 h)", "crashes")}</th>
            <th className={`px-3 py-2 ${PHONE.headCell}`}>{sortHeading("Load", "load")}</th>
            <th className={`px-3 py-2 ${PHONE.hidden}`}>
              <span className="sr-only">Filter</span>
            </th>
          </tr>
        </thead>
        <tbody className={`divide-y divide-zinc-100 dark:divide-zinc-800 ${PHONE.body}`}>
          {hosts.map((host) => (
            <tr
              key={host.key}
              data-host={host.name}
              className={`${selected === host.name ? "bg-indigo-50/60 dark:bg-indigo-500/10" : ""} ${PHONE.row}`}
            >
              <td className={`whitespace-nowrap px-3 py-2 ${PHONE.cell} ${PHONE.name}`}>
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
              <td className={`px-3 py-2 ${PHONE.cell} ${PHONE.status}`}>
                <HostStatusBadge status={host.status} revoked={host.revoked} />
              </td>
              <td className={`whitespace-nowrap px-3 py-2 ${PHONE.cell} ${PHONE.figure}`}>
                <OnPhone>reported </OnPhone>
                <LocalTime seconds={host.lastSeen === null ? null : host.lastSeen / 1000} />
              </td>
              <td className={`whitespace-nowrap px-3 py-2 text-right tabular-nums ${PHONE.cell} ${PHONE.figure}`} data-testid="host-counts">
                {host.running} / {host.total}
                <OnPhone> running</OnPhone>
              </td>
              <td className={`whitespace-nowrap px-3 py-2 text-right tabular-nums ${PHONE.cell} ${PHONE.figure}`}>
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
                <OnPhone> {host.crashes24h === 1 ? "crash" : "crashes"} in 24 h</OnPhone>
              </td>
              <td className={`whitespace-nowrap px-3 py-2 text-xs text-zinc-600 dark:text-zinc-400 ${PHONE.cell} ${PHONE.figure}`}>
                {host.facts
                  ? `load ${host.facts.load[0]?.toFixed(2) ?? "–"} · ${host.facts.cores} cores · ${formatBytes(host.facts.memTotalBytes)}`
                  : "–"}
              </td>
              <td className={`whitespace-nowrap px-3 py-2 text-right ${PHONE.cell} ${PHONE.links}`}>
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
