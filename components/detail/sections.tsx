import { CopyButton } from "./copy-button";
import { StatusBadge } from "../status-badge";
import { commandLine, formatBytes, formatCpuTime } from "@/lib/format";
import type { ProcessView } from "@/lib/processes/status";

// The detail page's building blocks, shared by a workstation's page and the fleet's.

/** The record's name and status (and whatever `children` add to that line), then its hash. */
export function RecordTitle({ process: p, children }: { process: ProcessView; children?: React.ReactNode }) {
  return (
    <>
      <div className="mt-1 flex flex-wrap items-center gap-3">
        <h1 className="truncate text-2xl font-semibold tracking-tight">{p.name || "unnamed"}</h1>
        <StatusBadge view={p} />
        {children}
      </div>
      <p className="mt-1 break-all font-mono text-xs text-zinc-500 dark:text-zinc-400">{p.hash}</p>
    </>
  );
}

export function Section({ title, children, id }: { title: string; children: React.ReactNode; id?: string }) {
  return (
    <section
      aria-labelledby={id}
      className="min-w-0 rounded-lg border border-zinc-200 bg-white p-4 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      <h2 id={id} className="mb-3 text-sm font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
        {title}
      </h2>
      {children}
    </section>
  );
}

export function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-zinc-500 dark:text-zinc-400">{label}</dt>
      <dd className="mt-0.5 break-words text-sm">{children}</dd>
    </div>
  );
}

/** What was started: the command line (copyable), executable, working directory, arguments. */
export function CommandSection({
  process: p,
  allArgsHref,
}: {
  process: Pick<ProcessView, "executable" | "args" | "argCount" | "currentExecutable" | "cwd">;
  /** Where all the arguments can be read when only the first are shown (the record's JSON). */
  allArgsHref?: string;
}) {
  const total = p.argCount ?? p.args.length;
  const more = total - p.args.length;
  const command = commandLine(p.executable, p.args) + (more > 0 ? ` … (${more.toLocaleString("en")} more arguments)` : "");
  return (
    <Section title="Command line" id="command">
      <div className="flex items-start gap-2">
        <code
          className="block min-w-0 flex-1 overflow-x-auto whitespace-pre-wrap break-all rounded bg-zinc-100 p-2 text-xs dark:bg-zinc-800"
          data-testid="command-line"
        >
          {command}
        </code>
        <CopyButton text={command} />
      </div>
      <div className="mt-4 grid grid-cols-1 gap-4 md:grid-cols-2">
        <div>
          <h3 className="mb-1 text-xs font-medium text-zinc-500 dark:text-zinc-400">Executable</h3>
          <p className="font-mono text-sm break-all">{p.executable || "–"}</p>
          {p.currentExecutable && (
            <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400" data-testid="current-executable">
              exec&rsquo;d into <span className="font-mono break-all">{p.currentExecutable}</span> (same process: pid and start time match
              the record)
            </p>
          )}
          <h3 className="mb-1 mt-3 text-xs font-medium text-zinc-500 dark:text-zinc-400">Working directory</h3>
          <p className="font-mono text-sm break-all" data-testid="cwd">
            {p.cwd ?? "–"}
          </p>
        </div>
        <div>
          <h3 className="mb-1 text-xs font-medium text-zinc-500 dark:text-zinc-400">Arguments ({total.toLocaleString("en")})</h3>
          {p.args.length ? (
            <ol className="list-decimal space-y-0.5 pl-6 font-mono text-sm marker:text-zinc-400" data-testid="args">
              {p.args.map((arg, i) => (
                <li key={i} className="break-all">
                  {arg === "" ? <em className="text-zinc-400">(empty)</em> : arg}
                </li>
              ))}
            </ol>
          ) : (
            <p className="text-sm text-zinc-500 dark:text-zinc-400">No arguments.</p>
          )}
          {more > 0 && (
            <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400" data-testid="args-more">
              The first {p.args.length.toLocaleString("en")} are shown; {more.toLocaleString("en")} more.{" "}
              {allArgsHref && (
                <a href={allArgsHref} className="text-indigo-700 underline dark:text-indigo-300">
                  All of them (the record as JSON)
                </a>
              )}
            </p>
          )}
        </div>
      </div>
    </Section>
  );
}

/** What outlives the process (SPEC "The end record"): its peak memory, CPU time, and why it ended. */
export function EndRecordFields({ process: p }: { process: ProcessView }) {
  return (
    <>
      <Field label="Peak memory">{formatBytes(p.peakMemoryBytes)}</Field>
      <Field label="CPU time">{p.cpuSeconds === null ? "–" : formatCpuTime(p.cpuSeconds)}</Field>
      {p.endReason && (
        <div className="col-span-2 min-w-0" data-testid="end-reason" data-kind={p.endReason.kind}>
          <dt className="text-xs text-zinc-500 dark:text-zinc-400">Why it ended</dt>
          <dd className="mt-0.5 text-sm">
            {p.endReason.kind === "pattern" ? p.endReason.pattern : p.endReason.text}
            {p.endReason.line && (
              <code className="mt-1 block break-all rounded bg-zinc-100 px-1.5 py-1 font-mono text-xs dark:bg-zinc-800">
                {p.endReason.line}
              </code>
            )}
          </dd>
        </div>
      )}
    </>
  );
}
