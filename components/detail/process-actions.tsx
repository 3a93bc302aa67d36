"use client";

import { useState, useTransition } from "react";
import { deleteAndLeave, relaunchAction, stopAction } from "@/lib/actions/processes";
import { STOP_GRACE_SECONDS } from "@/lib/processes/status";
import { ActionMessage } from "../action-message";
import { ConfirmDialog } from "../confirm-dialog";

const button =
  "rounded-md border px-3 py-1.5 text-sm font-medium disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";

/** What the buttons do: this workstation's server actions, or the hub's for a fleet record. */
export interface RecordActions {
  stop: (force: boolean) => Promise<{ ok: boolean; message: string } | undefined>;
  relaunch: () => Promise<{ ok: boolean; message: string } | undefined>;
  remove: () => Promise<{ ok: boolean; message: string } | undefined>;
}

/** What each action asks before it acts: a misclick must not end an artist's session with unsaved work. */
type Asked = "stop" | "kill" | "relaunch" | "delete";

function question(asked: Asked, name: string, pid: number | null, running: boolean, where: string | undefined) {
  const who = `${name}${pid === null ? "" : ` (pid ${pid})`}${where ? ` on ${where}` : ""}`;
  switch (asked) {
    case "stop":
      return {
        title: `Stop “${name}”?`,
        body: `${who} and its children get SIGTERM, and SIGKILL if they are still there ${STOP_GRACE_SECONDS} seconds later. Work it has not saved is lost.`,
        label: "Stop",
      };
    case "kill":
      return {
        title: `Force kill “${name}”?`,
        body: `${who} and its children are killed at once (SIGKILL): nothing gets a chance to save or clean up.`,
        label: "Force kill",
      };
    case "relaunch":
      return {
        title: `Relaunch “${name}”?`,
        body: `A new process starts with the same executable, arguments, environment and working directory${where ? ` on ${where}` : ""}.${running ? " This one keeps running." : ""}`,
        label: "Relaunch",
      };
    case "delete":
      return {
        title: `Delete “${name}”?`,
        body: running
          ? "The record and its output file will be deleted. The process itself keeps running: stop it first to end it."
          : "The record and its output file will be deleted.",
        label: "Delete",
      };
  }
}

export function ProcessActions({
  hash,
  name,
  pid = null,
  host,
  running,
  actions,
}: {
  hash: string;
  name: string;
  /** Named in the confirmations. */
  pid?: number | null;
  /** The workstation a fleet record runs on, named in the confirmations. */
  host?: string;
  running: boolean;
  /** Defaults to this workstation's (bound to `hash`). */
  actions?: RecordActions;
}) {
  const act: RecordActions = actions ?? {
    stop: (force) => stopAction(hash, force),
    relaunch: () => relaunchAction(hash),
    remove: () => deleteAndLeave(hash),
  };
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [asked, setAsked] = useState<Asked | null>(null);
  const [busy, startTransition] = useTransition();
  const asking = asked && question(asked, name, pid, running, host);

  const run = (action: () => Promise<{ ok: boolean; message: string } | undefined>) =>
    startTransition(async () => {
      const result = await action();
      if (result) setMessage({ ok: result.ok, text: result.message });
    });

  return (
    <div className="flex flex-col items-end gap-2">
      <div className="flex flex-wrap justify-end gap-2">
        <button
          type="button"
          disabled={!running || busy}
          onClick={() => setAsked("stop")}
          className={`${button} border-amber-300 bg-amber-50 text-amber-900 enabled:hover:bg-amber-100 dark:border-amber-500/40 dark:bg-amber-500/10 dark:text-amber-200`}
          title={`SIGTERM, then SIGKILL after ${STOP_GRACE_SECONDS} seconds, to the process and its children`}
        >
          Stop
        </button>
        <button
          type="button"
          disabled={!running || busy}
          onClick={() => setAsked("kill")}
          className={`${button} border-rose-300 bg-rose-50 text-rose-900 enabled:hover:bg-rose-100 dark:border-rose-500/40 dark:bg-rose-500/10 dark:text-rose-200`}
          title="SIGKILL at once, to the process and its children"
        >
          Force kill
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => setAsked("relaunch")}
          className={`${button} border-zinc-300 bg-white enabled:hover:bg-zinc-50 dark:border-zinc-600 dark:bg-zinc-800 dark:enabled:hover:bg-zinc-700`}
          title="Start a new process with the same executable, arguments, environment and working directory"
        >
          Relaunch
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => setAsked("delete")}
          className={`${button} border-zinc-300 bg-white text-rose-700 enabled:hover:bg-rose-50 dark:border-zinc-600 dark:bg-zinc-800 dark:text-rose-400`}
        >
          Delete
        </button>
      </div>
      {busy && <p className="text-xs text-zinc-500 dark:text-zinc-400">Working…</p>}
      <ActionMessage message={message} />
      <ConfirmDialog
        open={asked !== null}
        busy={busy}
        danger={asked !== "relaunch"}
        title={asking?.title ?? ""}
        body={asking?.body ?? ""}
        confirmLabel={asking?.label ?? ""}
        onConfirm={() =>
          run(async () => {
            const action = { stop: () => act.stop(false), kill: () => act.stop(true), relaunch: act.relaunch, delete: act.remove }[asked!];
            const result = await action();
            setAsked(null);
            return result;
          })
        }
        onCancel={() => setAsked(null)}
      />
    </div>
  );
}
