import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { DescendantsTree } from "@/components/detail/descendants-tree";
import { OutputPreview } from "@/components/detail/output-preview";
import { UsageChart } from "@/components/detail/usage-chart";
import { CommandSection, EndRecordFields, Field, RecordTitle, Section } from "@/components/detail/sections";
import { EnvTable } from "@/components/detail/env-table";
import { ProcessActions } from "@/components/detail/process-actions";
import { WatchButton } from "@/components/detail/watch-button";
import { fleetDeleteAction, fleetRelaunchAction, fleetStopAction } from "@/lib/actions/fleet";
import { AsOf } from "@/components/fleet/as-of";
import { HostStatusBadge } from "@/components/fleet/host-status";
import { canAsk } from "@/lib/fleet/hub/status";
import { NotAHub } from "@/components/fleet/not-a-hub";
import { LocalTime } from "@/components/local-time";
import { isoToSeconds } from "@/lib/time";
import { isHub } from "@/lib/fleet/hub/server";
import { MAX_INSPECT_NODES } from "@/lib/fleet/protocol";
import { currentRole, withoutValues } from "@/lib/auth/role";
import { getFleetInsight, getFleetProcess } from "@/lib/fleet/pages";
import { formatBytes, formatDuration } from "@/lib/format";
import { exitCodeField, statusText, unknownExitReason, isActive, isAlive } from "@/lib/processes/status";

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
          {viewer ? null : canAsk(host) ? (
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

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
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
            <Field label="User">
              <span data-testid="record-user">{p.user ?? "–"}</span>
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
        <Section title="CPU and memory (this process and its children)" id="usage">
          <Suspense fallback={<Asking host={host.name} />}>
            <RemoteUsage hostName={host.name} hash={p.hash} running={isAlive(p)} />
          </Suspense>
        </Section>
        <Section title="Output" id="output">
          {p.outputFile ? (
            <>
              <p className="mb-2 text-sm">
                <Link
                  href={`/fleet/${host.name}/processes/${p.hash}/output`}
                  className="font-medium text-indigo-700 hover:underline dark:text-indigo-300"
                >
                  Open the output viewer
                </Link>{" "}
                <span className="text-zinc-500 dark:text-zinc-400">({formatBytes(p.outputSize)})</span>
                {p.runawayOutput && <span className="ml-2 font-medium text-amber-700 dark:text-amber-300">runaway log</span>}
              </p>
              <Suspense fallback={<Asking host={host.name} />}>
                <RemotePreview hostName={host.name} hash={p.hash} />
              </Suspense>
              <p className="mt-1 break-all font-mono text-xs text-zinc-500 dark:text-zinc-400" data-testid="output-file">
                {p.outputFile}
              </p>
              <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">Read on {host.name} through its agent.</p>
            </>
          ) : (
            <p className="text-sm text-zinc-500 dark:text-zinc-400">No output file was recorded.</p>
          )}
        </Section>
      </div>

      <CommandSection process={p} />

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Section title={`Environment (${Object.keys(env).length})`} id="environment">
          <EnvTable env={env} hidden={viewer} />
        </Section>
        <Section title="Child processes" id="children">
          {isActive(p) ? (
            <Suspense fallback={<Asking host={host.name} />}>
              <RemoteChildren hostName={host.name} hash={p.hash} />
            </Suspense>
          ) : (
            <p className="text-sm text-zinc-500 dark:text-zinc-400">The process has ended.</p>
          )}
        </Section>
      </div>
    </div>
  );
}

// The parts only the workstation knows (its process tree, sampled usage, output file) are asked
// of its agent once per page (getFleetInsight) and stream in, so the rest never waits for them.

function Asking({ host }: { host: string }) {
  return (
    <p className="text-sm text-zinc-500 dark:text-zinc-400" role="status">
      Asking {host}&apos;s agent…
    </p>
  );
}

function Problem({ text }: { text: string }) {
  return (
    <p className="text-sm text-zinc-500 dark:text-zinc-400" data-testid="insight-problem">
      {text}
    </p>
  );
}

async function RemoteUsage({ hostName, hash, running }: { hostName: string; hash: string; running: boolean }) {
  const { parts, problem } = await getFleetInsight(hostName, hash);
  if (!parts) return <Problem text={problem} />;
  return (
    <UsageChart
      hash={hash}
      running={running}
      history={parts.history}
      intervalMs={3_000}
      source={`/api/fleet/hosts/${encodeURIComponent(hostName)}/processes/${hash}/usage`}
    />
  );
}

async function RemotePreview({ hostName, hash }: { hostName: string; hash: string }) {
  const { parts, problem } = await getFleetInsight(hostName, hash);
  if (!parts) return <Problem text={problem} />;
  if (!parts.output.exists) return <Problem text={`The output file does not exist on ${hostName} (deleted or never written).`} />;
  return <OutputPreview lines={parts.output.lastLines} />;
}

async function RemoteChildren({ hostName, hash }: { hostName: string; hash: string }) {
  const { parts, problem } = await getFleetInsight(hostName, hash);
  if (!parts) return <Problem text={problem} />;
  return (
    <>
      <DescendantsTree nodes={parts.descendants} />
      {parts.descendantsCut > 0 && (
        <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
          {parts.descendantsCut.toLocaleString("en")} more child processes are not shown (the tree is cut at{" "}
          {MAX_INSPECT_NODES.toLocaleString("en")}).
        </p>
      )}
    </>
  );
}
