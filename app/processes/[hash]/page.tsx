import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DescendantsTree } from "@/components/detail/descendants-tree";
import { CommandSection, EndRecordFields, Field, RecordTitle, Section } from "@/components/detail/sections";
import { HostAtEndPanel } from "@/components/detail/host-at-end";
import { RelaunchLinks } from "@/components/detail/relaunch-links";
import { EnvTable } from "@/components/detail/env-table";
import { ProcessActions } from "@/components/detail/process-actions";
import { RecordWatch } from "@/components/detail/record-watch";
import { WatchButton } from "@/components/detail/watch-button";
import { UsageChart } from "@/components/detail/usage-chart";
import { LocalTime } from "@/components/local-time";
import { isoToSeconds } from "@/lib/time";
import { UnavailableNotice } from "@/components/unavailable-notice";
import { getProcessDetail, isUnavailable } from "@/lib/processes/pages";
import { currentRole, withoutValues } from "@/lib/auth/role";
import { exitCodeField, statusText, unknownExitReason, isActive, isAlive } from "@/lib/processes/status";
import { formatBytes, formatDuration } from "@/lib/format";
import { OutputPreview } from "@/components/detail/output-preview";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ hash: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const detail = await getProcessDetail((await params).hash);
  if (isUnavailable(detail)) return { title: "Registry unavailable" };
  if (!detail) return { title: "Process not found" };
  const { process: p } = detail;
  return { title: `${p.name || "unnamed"}${p.pid !== null ? ` (pid ${p.pid})` : ""} — ${statusText(p)}` };
}

export default async function ProcessPage({ params }: Props) {
  const { hash } = await params;
  const detail = await getProcessDetail(hash);
  if (isUnavailable(detail)) return <UnavailableNotice state={detail} />;
  if (!detail) notFound();
  const { process: p, descendants, output } = detail;
  // A viewer gets the names only: the values never leave the server.
  const viewer = (await currentRole()) === "viewer";
  const env = viewer ? withoutValues(detail.env) : detail.env;
  const running = isAlive(p);
  const unknownExit = unknownExitReason(p);

  return (
    <div className="space-y-4">
      <RecordWatch hash={p.hash} />
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <Link href="/" className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
            ← All processes
          </Link>
          <RecordTitle process={p} />
          <RelaunchLinks {...detail.relaunch} />
        </div>
        <div className="flex flex-wrap items-start gap-2">
          {running && <WatchButton page={`/processes/${p.hash}`} record={`/api/processes/${p.hash}`} name={p.name || "unnamed"} />}
          {!viewer && <ProcessActions hash={p.hash} name={p.name} pid={p.pid} running={running} />}
        </div>
      </div>

      {p.warnings.length > 0 && (
        <div
          role="note"
          className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-500/40 dark:bg-amber-500/10 dark:text-amber-200"
        >
          <strong>This row is malformed</strong> (written by another program?): {p.warnings.join("; ")}. It is shown as far as it can be
          read.
        </div>
      )}

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <Section title="Overview" id="overview">
          <dl className="grid grid-cols-2 gap-3">
            <Field label="PID">
              <span className="font-mono">{p.pid ?? "–"}</span>
            </Field>
            <Field label="User">
              <span data-testid="record-user">{p.user ?? "–"}</span>
            </Field>
            <Field label="Status">{statusText(p)}</Field>
            <Field label="Exit code">{exitCodeField(p)}</Field>
            <Field label="Running time">{formatDuration(p.runtime)}</Field>
            <Field label="Started">
              <LocalTime seconds={p.startTime} mode="exact" />
            </Field>
            <Field label="Ended">
              <LocalTime seconds={p.endedAt} mode="exact" />
            </Field>
            <Field label="Recorded">
              <LocalTime seconds={isoToSeconds(p.createdAt)} mode="exact" />
            </Field>
            <Field label="CPU · memory (with its children)">
              {p.cpuPercent === null ? "–" : `${p.cpuPercent.toFixed(1)}%`} · {formatBytes(p.rssBytes)}
              {p.ownCpuPercent !== null && p.ownCpuPercent !== p.cpuPercent && (
                <span className="block text-xs text-zinc-500 dark:text-zinc-400" data-testid="own-usage">
                  this process: {p.ownCpuPercent.toFixed(1)}% · {formatBytes(p.ownRssBytes)}
                </span>
              )}
            </Field>
            <EndRecordFields process={p} />
          </dl>
          {unknownExit && (
            <p
              className="mt-3 border-t border-zinc-100 pt-3 text-xs text-zinc-600 dark:border-zinc-800 dark:text-zinc-400"
              data-testid="exit-unknown"
            >
              {unknownExit}
            </p>
          )}
        </Section>
        <Section title="CPU and memory (this process and its children)" id="usage">
          <UsageChart hash={p.hash} running={running} history={detail.history} />
          {detail.hostAtEnd && (
            <div className="mt-3 border-t border-zinc-100 pt-3 dark:border-zinc-800">
              <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
                The host when it ended
              </h3>
              <HostAtEndPanel host={detail.hostAtEnd} />
            </div>
          )}
        </Section>
        <Section title="Output" id="output">
          {output.exists ? (
            <>
              <p className="mb-2 text-sm">
                <Link href={`/processes/${p.hash}/output`} className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
                  Open the output viewer
                </Link>{" "}
                <span className="text-zinc-500 dark:text-zinc-400">({formatBytes(output.size)})</span>
              </p>
              {p.runawayOutput && (
                <p
                  role="status"
                  data-testid="runaway"
                  className="mb-2 rounded-md border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900 dark:border-amber-500/40 dark:bg-amber-500/10 dark:text-amber-200"
                >
                  Runaway log: this running process has written {formatBytes(p.outputSize)}
                  {p.outputGrowth !== null ? `, growing ${formatBytes(Math.max(0, p.outputGrowth) * 60)} a minute` : ""}. Retention never
                  deletes a running process&apos;s output: stop it, or make it print less.
                </p>
              )}
              <OutputPreview lines={output.lastLines} />
              <p className="mt-1 truncate font-mono text-xs text-zinc-500 dark:text-zinc-400" title={p.outputFile ?? ""}>
                {p.outputFile}
              </p>
            </>
          ) : (
            <p className="text-sm text-zinc-500 dark:text-zinc-400">
              {p.outputFile ? `The output file ${p.outputFile} does not exist (deleted or never written).` : "No output file was recorded."}
            </p>
          )}
        </Section>
      </div>

      <CommandSection process={p} allArgsHref={`/api/processes/${p.hash}`} />

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Section title={`Environment (${detail.envCount.toLocaleString("en")})`} id="environment">
          <EnvTable env={env} hidden={viewer} />
          {detail.envCount > Object.keys(env).length && (
            <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
              The first {Object.keys(env).length.toLocaleString("en")} are shown.{" "}
              <a href={`/api/processes/${p.hash}`} className="text-indigo-700 underline dark:text-indigo-300">
                All of them (the record as JSON)
              </a>
            </p>
          )}
        </Section>
        <Section title="Child processes" id="children">
          {isActive(p) ? (
            <DescendantsTree nodes={descendants} />
          ) : (
            <p className="text-sm text-zinc-500 dark:text-zinc-400">The process has ended.</p>
          )}
        </Section>
      </div>
    </div>
  );
}
