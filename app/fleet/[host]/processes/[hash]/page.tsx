import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CommandSection, EndRecordFields, Field, RecordTitle, Section } from "@/components/detail/sections";
import { EnvTable } from "@/components/detail/env-table";
import { ProcessActions } from "@/components/detail/process-actions";
import { WatchButton } from "@/components/detail/watch-button";
import { fleetDeleteAction, fleetRelaunchAction, fleetStopAction } from "@/lib/actions/fleet";
import { AsOf } from "@/components/fleet/as-of";
import { HostStatusBadge } from "@/components/fleet/host-status";
import { NotAHub } from "@/components/fleet/not-a-hub";
import { LocalTime } from "@/components/local-time";
import { isoToSeconds } from "@/lib/time";
import { isHub } from "@/lib/fleet/hub/server";
import { currentRole, withoutValues } from "@/lib/auth/role";
import { getFleetProcess } from "@/lib/fleet/pages";
import { formatBytes, formatDuration } from "@/lib/format";
import { exitCodeField, statusText, unknownExitReason, isAlive } from "@/lib/processes/status";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ host: string; hash: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { host, hash } = await params;
  const detail = isHub() ? await getFleetProcess(host, hash) : null;
  if (!detail) return { title: "Process not found" };
  const p = detail.process;
  return { title: `${p.name || "unnamed"} on ${detail.host.name} — ${statusText(p)}` };
}

/** A record of another workstation, as its last report carried it (read-only). */
export default async function FleetProcessPage({ params }: Props) {
  if (!isHub()) return <NotAHub />;
  const { host: hostName, hash } = await params;
  const detail = await getFleetProcess(hostName, hash);
  if (!detail) notFound();
  const { host, process: p } = detail;
  const viewer = (await currentRole()) === "viewer";
  const env = viewer ? withoutValues(detail.env) : detail.env;
  const unknownExit = unknownExitReason(p);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <nav aria-label="Breadcrumb" className="flex flex-wrap gap-1 text-sm">
            <Link href="/fleet" className="text-indigo-700 hover:underline dark:text-indigo-300">
              Fleet
            </Link>
            <span aria-hidden className="text-zinc-400">
              /
            </span>
            <Link href={`/fleet/${host.name}`} className="text-indigo-700 hover:underline dark:text-indigo-300">
              {host.name}
            </Link>
          </nav>
          <RecordTitle process={p}>
            <span className="text-sm text-zinc-500 dark:text-zinc-400">on</span>
            <HostStatusBadge status={host.status} revoked={host.revoked} />
          </RecordTitle>
        </div>
        <div className="flex flex-wrap items-start gap-2">
          {isAlive(p) && (
            <WatchButton
              page={`/fleet/${encodeURIComponent(host.name)}/processes/${p.hash}`}
              record={`/api/fleet/hosts/${encodeURIComponent(host.name)}/processes/${p.hash}`}
              name={`${p.name || "unnamed"} on ${host.name}`}
            />
          )}
          {viewer ? null : host.status === "online" && !host.revoked ? (
            <ProcessActions
              hash={p.hash}
              name={p.name}
              pid={p.pid}
              host={host.name}
              running={isAlive(p)}
              actions={{
                stop: fleetStopAction.bind(null, host.name, p.hash),
                relaunch: fleetRelaunchAction.bind(null, host.name, p.hash),
                remove: fleetDeleteAction.bind(null, host.name, p.hash),
              }}
            />
          ) : (
            <p className="max-w-xs text-sm text-zinc-500 dark:text-zinc-400" data-testid="actions-offline">
              Stop, relaunch and delete go through {host.name}&apos;s agent: they come back when it reports again.
            </p>
          )}
        </div>
      </div>
      <AsOf host={host} />

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Section title="Overview" id="overview">
          <dl className="grid grid-cols-2 gap-3">
            <Field label="Host">
              <Link href={`/fleet/${host.name}`} className="text-indigo-700 hover:underline dark:text-indigo-300">
                {host.name}
              </Link>
            </Field>
            <Field label="PID">
              <span className="font-mono">{p.pid ?? "–"}</span>
            </Field>
            <Field label="Status">{statusText(p)}</Field>
            <Field label="Exit code">{exitCodeField(p)}</Field>
            <Field label="Running time">{formatDuration(p.runtime)}</Field>
            <Field label="CPU · memory (last report)">
              {p.cpuPercent === null ? "–" : `${p.cpuPercent.toFixed(1)}%`} · {formatBytes(p.rssBytes)}
            </Field>
            <EndRecordFields process={p} />
            <Field label="Started">
              <LocalTime seconds={p.startTime} mode="exact" />
            </Field>
            <Field label="Ended">
              <LocalTime seconds={p.endedAt} mode="exact" />
            </Field>
            <Field label="Recorded">
              <LocalTime seconds={isoToSeconds(p.createdAt)} mode="exact" />
            </Field>
            <Field label="Last report">
              <LocalTime seconds={host.lastSeen === null ? null : host.lastSeen / 1000} mode="exact" />
            </Field>
          </dl>
          {unknownExit && (
            <p className="mt-3 border-t border-zinc-100 pt-3 text-xs text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
              {unknownExit}
            </p>
          )}
        </Section>
        <Section title="Output" id="output">
          {p.outputFile ? (
            <>
              <p className="text-sm">
                On {host.name}: <span className="text-zinc-500 dark:text-zinc-400">{formatBytes(p.outputSize)}</span>
                {p.runawayOutput && <span className="ml-2 font-medium text-amber-700 dark:text-amber-300">runaway log</span>}
              </p>
              <p className="mt-1 break-all font-mono text-xs text-zinc-500 dark:text-zinc-400" data-testid="output-file">
                {p.outputFile}
              </p>
              <p className="mt-2 text-sm">
                <Link
                  href={`/fleet/${host.name}/processes/${p.hash}/output`}
                  className="font-medium text-indigo-700 hover:underline dark:text-indigo-300"
                >
                  Open the output viewer
                </Link>{" "}
                <span className="text-xs text-zinc-500 dark:text-zinc-400">(read on {host.name} through its agent)</span>
              </p>
            </>
          ) : (
            <p className="text-sm text-zinc-500 dark:text-zinc-400">No output file was recorded.</p>
          )}
        </Section>
      </div>

      <CommandSection process={p} />

      <Section title={`Environment (${Object.keys(env).length})`} id="environment">
        <EnvTable env={env} hidden={viewer} />
      </Section>
    </div>
  );
}
