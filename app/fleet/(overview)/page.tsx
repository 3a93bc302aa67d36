import Link from "next/link";
import { Suspense } from "react";
import { AutoRefresh } from "@/components/auto-refresh";
import { AlertStatusNote } from "@/components/fleet/alert-status";
import { alertSender } from "@/lib/alerts/sender";
import { FleetProcessList } from "@/components/fleet/fleet-process-list";
import { HostTable } from "@/components/fleet/host-table";
import { PendingHosts } from "@/components/fleet/pending-hosts";
import { currentRole } from "@/lib/auth/role";
import { NotAHub } from "@/components/fleet/not-a-hub";
import { isHub } from "@/lib/fleet/hub/server";
import { getFleetListPage, getFleetOverview, hostsNeedingAttention, HOSTS_SHOWN, orderHosts } from "@/lib/fleet/pages";
import { listHref, parseFleetPage, type FleetPageState } from "@/lib/processes/query-params";
import { yieldToWaitingRequests } from "@/lib/yield-to-requests";

export const dynamic = "force-dynamic";
export const metadata = { title: "Fleet" };

export default async function FleetPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (!isHub()) return <NotAHub />;
  const params = await searchParams;
  const query = parseFleetPage(params);
  const { hosts, readAt } = await getFleetOverview();
  const online = hosts.filter((h) => h.status === "online").length;
  const running = hosts.reduce((n, h) => n + h.running, 0);
  const showAll = params.hosts === "all";
  const tagged = orderHosts(hosts, query.hostSort, query.tag);
  const shown = showAll ? tagged : hostsNeedingAttention(tagged, HOSTS_SHOWN, query.host, query.hostSort);
  const readOnly = (await currentRole()) === "viewer";

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Fleet</h1>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            {hosts.length} host{hosts.length === 1 ? "" : "s"} · {online} online · {running} process{running === 1 ? "" : "es"} running
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <Link href="/fleet/audit" className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
            Audit log
          </Link>
          <AutoRefresh generatedAt={readAt} />
        </div>
      </div>
      <AlertStatusNote status={alertSender()?.current() ?? null} />
      <PendingHosts hosts={hosts} readOnly={readOnly} />
      {hosts.length === 0 ? (
        <div className="rounded-lg border border-dashed border-zinc-300 bg-white p-8 text-sm dark:border-zinc-700 dark:bg-zinc-900">
          <h2 className="text-base font-semibold">No workstation has reported yet</h2>
          <p className="mt-2 text-zinc-600 dark:text-zinc-400">
            Start a workstation&apos;s dashboard, or <code>npm run cli -- agent</code>, with <code>PROCESS_MONITOR_HUB_URL</code> set to
            this hub&apos;s address and <code>PROCESS_MONITOR_HUB_KEY</code> to the fleet key this hub printed at start (also in its data
            folder&apos;s <code>fleet-key</code> file). It appears here within seconds.
          </p>
        </div>
      ) : (
        <>
          <section aria-labelledby="hosts-heading" className="space-y-2">
            <h2 id="hosts-heading" className="text-sm font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
              Hosts
            </h2>
            {query.tag && (
              <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="tag-filter">
                Hosts tagged <strong>{query.tag}</strong> ({tagged.length}).{" "}
                <Link href={listHref(query, { tag: "", page: 1 }, "/fleet")} className="text-indigo-700 underline dark:text-indigo-300">
                  All hosts
                </Link>
              </p>
            )}
            <HostTable hosts={shown} selected={query.host} query={query} readOnly={readOnly} />
            {tagged.length > HOSTS_SHOWN && (
              <p className="text-sm text-zinc-600 dark:text-zinc-400">
                {showAll ? (
                  <Link href="/fleet" className="text-indigo-700 underline dark:text-indigo-300">
                    Show the {HOSTS_SHOWN} needing attention first
                  </Link>
                ) : (
                  <>
                    Showing {shown.length} of {tagged.length} hosts: offline and stale ones first, then those with crashes.{" "}
                    <Link href="/fleet?hosts=all" className="text-indigo-700 underline dark:text-indigo-300">
                      Show all {tagged.length}
                    </Link>
                  </>
                )}
              </p>
            )}
          </section>
          <section aria-labelledby="processes-heading" className="space-y-2">
            <h2 id="processes-heading" className="text-sm font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
              {query.host ? `Processes on ${query.host}` : "Processes on every host"}
            </h2>
            <Suspense fallback={<ProcessesLoading />}>
              <FleetProcesses query={query} />
            </Suspense>
          </section>
        </>
      )}
    </div>
  );
}

/**
 * The table of every process, streamed after the hosts: rendering it is the page's largest
 * piece of work, and reports from 300 workstations waiting for the hub go first.
 */
async function FleetProcesses({ query }: { query: FleetPageState }) {
  await yieldToWaitingRequests();
  const data = await getFleetListPage(query);
  return <FleetProcessList data={data} query={query} base="/fleet" operator={(await currentRole()) === "operator"} />;
}

function ProcessesLoading() {
  return (
    <div className="animate-pulse space-y-2" aria-busy="true" aria-label="Loading the processes">
      <div className="h-9 w-96 rounded bg-zinc-200 dark:bg-zinc-800" />
      {Array.from({ length: 6 }, (_, i) => (
        <div key={i} className="h-10 rounded bg-zinc-100 dark:bg-zinc-900" />
      ))}
    </div>
  );
}
