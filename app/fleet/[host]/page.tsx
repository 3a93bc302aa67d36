import { currentRole } from "@/lib/auth/role";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AutoRefresh } from "@/components/auto-refresh";
import { Field, Section } from "@/components/detail/sections";
import { AsOf } from "@/components/fleet/as-of";
import { FleetProcessList } from "@/components/fleet/fleet-process-list";
import { HostStatusBadge } from "@/components/fleet/host-status";
import { NotAHub } from "@/components/fleet/not-a-hub";
import { LocalTime } from "@/components/local-time";
import { isHub } from "@/lib/fleet/hub/server";
import { getFleetHost, getFleetListPage } from "@/lib/fleet/pages";
import { formatBytes, formatDuration } from "@/lib/format";
import { parseFleetPage } from "@/lib/processes/query-params";

export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ host: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const name = (await params).host;
  const host = isHub() ? await getFleetHost(name) : null;
  return { title: host ? `${host.name} — ${host.status}` : "Host not found" };
}

export default async function FleetHostPage({ params, searchParams }: Props) {
  if (!isHub()) return <NotAHub />;
  const name = (await params).host;
  const host = await getFleetHost(name);
  if (!host) notFound();
  // The host is in the path; links keep only the list's own state.
  const query = { ...parseFleetPage(await searchParams), host: "" };
  // A viewer is told what a host allows, without a way in it would be refused at.
  const operator = (await currentRole()) === "operator";
  const data = await getFleetListPage({ ...query, host: host.name });
  const facts = host.facts;
  const base = `/fleet/${host.name}`;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <Link href="/fleet" className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
            ← Fleet
          </Link>
          <div className="mt-1 flex flex-wrap items-center gap-3">
            <h1 className="truncate text-2xl font-semibold tracking-tight">{host.name}</h1>
            <HostStatusBadge status={host.status} revoked={host.revoked} />
          </div>
          <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
            {data.counts.running} running · {data.counts.all} recorded · {host.crashes24h} crash{host.crashes24h === 1 ? "" : "es"} in the
            last 24 hours
          </p>
        </div>
        <AutoRefresh generatedAt={data.generatedAt} />
      </div>
      <AsOf host={host} />
      {host.sharesIdWith.length > 0 && (
        <p
          role="note"
          data-testid="clone-note"
          className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-500/40 dark:bg-amber-500/10 dark:text-amber-200"
        >
          Another machine reports the same host id ({host.sharesIdWith.join(", ")}): probably a cloned disk image. The two are kept apart.
          To give this machine an id of its own, delete <code>host-id</code>, <code>hub-secret.json</code> and <code>agent-state.json</code>{" "}
          from its Process Monitor data folder and restart its agent.
        </p>
      )}
      <Section title="Machine" id="machine">
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
          <Field label="Hostname">{host.hostname}</Field>
          <Field label="System">{facts ? `${facts.platform} ${facts.release} (${facts.arch})` : "–"}</Field>
          <Field label="Cores · load">{facts ? `${facts.cores} · ${facts.load.map((l) => l.toFixed(2)).join(" ")}` : "–"}</Field>
          <Field label="Memory">{facts ? `${formatBytes(facts.memUsedBytes)} / ${formatBytes(facts.memTotalBytes)}` : "–"}</Field>
          <Field label="Up">{facts ? formatDuration(facts.uptimeSeconds) : "–"}</Field>
          <Field label="Last report">
            <LocalTime seconds={host.lastSeen === null ? null : host.lastSeen / 1000} mode="exact" />
          </Field>
          <Field label="Launches from the hub">
            {host.remoteLaunch && !operator ? (
              "Allowed"
            ) : host.remoteLaunch ? (
              <Link
                href={`/launch?host=${encodeURIComponent(host.name)}`}
                className="text-indigo-700 hover:underline dark:text-indigo-300"
                data-testid="launch-on-host"
              >
                Allowed: launch…
              </Link>
            ) : (
              <span title="Set PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH=1 for its agent to allow them">Off</span>
            )}
          </Field>
          <Field label="Reports every">{host.intervalSeconds} s</Field>
          <Field label="Address">{host.address ?? "–"}</Field>
          <Field label="Host id">
            <span className="break-all font-mono text-xs">{host.id}</span>
          </Field>
          <Field label="Enrolled">
            <LocalTime seconds={host.enrolledAt / 1000} mode="exact" />
          </Field>
        </dl>
      </Section>
      <section aria-labelledby="processes-heading" className="space-y-2">
        <h2 id="processes-heading" className="text-sm font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
          Processes
        </h2>
        <FleetProcessList data={data} query={query} base={base} showHost={false} operator={operator} />
      </section>
    </div>
  );
}
