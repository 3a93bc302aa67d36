"use client";

import { useActionState, useState } from "react";
import { launchAction } from "@/lib/actions/processes";
import type { LaunchFormField, LaunchFormState } from "@/lib/actions/launch-form";
import type { LaunchPage } from "@/lib/processes/pages";

const inputClass =
  "mt-1 w-full rounded-md border border-zinc-300 bg-white px-3 py-2 font-mono text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 aria-[invalid=true]:border-rose-500 dark:border-zinc-700 dark:bg-zinc-900";

function FieldErrors({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <ul id={id} className="mt-1 space-y-0.5 text-sm text-rose-700 dark:text-rose-400" aria-live="polite">
      {errors.map((error) => (
        <li key={error}>{error}</li>
      ))}
    </ul>
  );
}

/** Launch form: arguments one per line (no shell quoting), environment as KEY=VALUE lines. */
/** Which variables the program inherits, by name, and which of the server's own stay behind. */
function InheritedEnvironment({ inherited, leftOut }: LaunchPage) {
  return (
    <details className="mt-2 text-xs text-zinc-600 dark:text-zinc-400">
      <summary className="cursor-pointer">
        Inherits {inherited.length} variables from the dashboard server&apos;s environment; {leftOut.length} of the server&apos;s own are
        left out
      </summary>
      <p className="mt-1 break-words font-mono">{inherited.join(" ") || "(none)"}</p>
      <p className="mt-1">
        Left out (the dashboard&apos;s settings and secrets, the web server&apos;s, npm&apos;s):{" "}
        <span className="break-words font-mono">{leftOut.join(" ") || "(none)"}</span>. Add any of them above to pass it on.
      </p>
    </details>
  );
}

/** A workstation the hub's form offers: picked only when its agent allows launches and it reports now. */
export interface LaunchTarget {
  name: string;
  status: "online" | "stale" | "offline";
  allowed: boolean;
}

function targetLabel(t: LaunchTarget): string {
  if (!t.allowed) return `${t.name} (does not take launches from the hub)`;
  if (t.status !== "online") return `${t.name} (${t.status})`;
  return t.name;
}

export function LaunchForm({
  defaults,
  environment,
  action: submit = launchAction,
  targets,
}: {
  defaults?: Partial<Record<LaunchFormField, string>>;
  environment?: LaunchPage;
  /** The server action that launches (the hub's takes a workstation too). */
  action?: (previous: LaunchFormState, form: FormData) => Promise<LaunchFormState>;
  /** On a hub: the workstations to pick from ("" is the hub's own machine). */
  targets?: LaunchTarget[];
}) {
  const [state, action, pending] = useActionState<LaunchFormState, FormData>(submit, { values: defaults });
  const [host, setHost] = useState(state.values?.host ?? defaults?.host ?? "");
  const value = (field: LaunchFormField) => state.values?.[field] ?? defaults?.[field] ?? "";
  const field = (name: LaunchFormField) => ({
    name,
    id: `launch-${name}`,
    defaultValue: value(name),
    "aria-invalid": state.errors?.[name] ? true : undefined,
    "aria-describedby": state.errors?.[name] ? `launch-${name}-error` : `launch-${name}-hint`,
  });

  return (
    <form action={action} className="max-w-3xl space-y-5" noValidate key={JSON.stringify(state.values ?? {})}>
      {targets && (
        <div>
          <label htmlFor="launch-host" className="block text-sm font-medium">
            Where
          </label>
          <select {...field("host")} onChange={(event) => setHost(event.target.value)} className={`${inputClass} font-sans sm:max-w-md`}>
            <option value="">This machine (the hub)</option>
            {targets.map((t) => (
              <option key={t.name} value={t.name} disabled={!t.allowed || t.status !== "online"}>
                {targetLabel(t)}
              </option>
            ))}
          </select>
          <p id="launch-host-hint" className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
            A workstation runs it through its agent when it allows launches from the hub (PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH=1 there) and
            reports now; each launch is in the audit log.
          </p>
          <FieldErrors id="launch-host-error" errors={state.errors?.host} />
        </div>
      )}
      <div className="grid gap-5 sm:grid-cols-3">
        <div>
          <label htmlFor="launch-name" className="text-sm font-medium">
            Name
          </label>
          <input {...field("name")} className={inputClass} placeholder="maya" autoComplete="off" required />
          <p id="launch-name-hint" className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
            Shown in the list.
          </p>
          <FieldErrors id="launch-name-error" errors={state.errors?.name} />
        </div>
        <div className="sm:col-span-2">
          <label htmlFor="launch-executable" className="text-sm font-medium">
            Executable
          </label>
          <input
            {...field("executable")}
            className={inputClass}
            placeholder="/usr/autodesk/maya2025/bin/maya"
            autoComplete="off"
            required
          />
          <p id="launch-executable-hint" className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
            An absolute path, or a command found in PATH.
          </p>
          <FieldErrors id="launch-executable-error" errors={state.errors?.executable} />
        </div>
      </div>
      <div>
        <label htmlFor="launch-args" className="text-sm font-medium">
          Arguments
        </label>
        <textarea {...field("args")} rows={4} className={inputClass} placeholder={"-file\n/projects/show/shot010/scene.ma"} />
        <p id="launch-args-hint" className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
          One argument per line, passed exactly as written: no shell quoting, spaces stay inside the argument. Empty lines are ignored.
        </p>
        <FieldErrors id="launch-args-error" errors={state.errors?.args} />
      </div>
      <div>
        <label htmlFor="launch-env" className="text-sm font-medium">
          Environment additions
        </label>
        <textarea {...field("env")} rows={3} className={inputClass} placeholder={"MAYA_APP_DIR=/home/artist/maya\nSHOT=sh010"} />
        <p id="launch-env-hint" className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
          {host
            ? `KEY=VALUE, one per line, added to the environment of ${host}'s agent. Lines starting with # are ignored.`
            : "KEY=VALUE, one per line, added to the dashboard server's environment. Lines starting with # are ignored."}
        </p>
        {environment && !host ? <InheritedEnvironment {...environment} /> : null}
        <FieldErrors id="launch-env-error" errors={state.errors?.env} />
      </div>
      <div>
        <label htmlFor="launch-cwd" className="text-sm font-medium">
          Working directory
        </label>
        <input
          {...field("cwd")}
          className={inputClass}
          placeholder={host ? `(the home folder of ${host}'s agent)` : "(your home folder)"}
          autoComplete="off"
        />
        <p id="launch-cwd-hint" className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
          {host ? `Relative paths start from the home folder of ${host}'s agent.` : "Relative paths start from your home folder."}
        </p>
        <FieldErrors id="launch-cwd-error" errors={state.errors?.cwd} />
      </div>
      <FieldErrors id="launch-form-error" errors={state.errors?.form} />
      <button
        type="submit"
        disabled={pending}
        className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-60"
      >
        {pending ? "Launching…" : "Launch"}
      </button>
    </form>
  );
}
