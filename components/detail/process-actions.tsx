"use client";

import { useState, useTransition } from "react";
import { deleteAndLeave, relaunchAction, stopAction } from "@/lib/actions/processes";
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

export function ProcessActions({
  hash,
  name,
  running,
  actions,
}: {
  hash: string;
  name: string;
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
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, startTransition] = useTransition();

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
          onClick={() => run(() => act.stop(false))}
          className={`${button} border-amber-300 bg-amber-50 text-amber-900 enabled:hover:bg-amber-100 dark:border-amber-500/40 dark:bg-amber-500/10 dark:text-amber-200`}
          title="SIGTERM, then SIGKILL after 5 seconds, to the process and its children"
        >
          Stop
        </button>
        <button
          type="button"
          disabled={!running || busy}
          onClick={() => run(() => act.stop(true))}
          className={`${button} border-rose-300 bg-rose-50 text-rose-900 enabled:hover:bg-rose-100 dark:border-rose-500/40 dark:bg-rose-500/10 dark:text-rose-200`}
          title="SIGKILL at once, to the process and its children"
        >
          Force kill
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => run(() => act.relaunch())}
          className={`${button} border-zinc-300 bg-white enabled:hover:bg-zinc-50 dark:border-zinc-600 dark:bg-zinc-800 dark:enabled:hover:bg-zinc-700`}
          title="Start a new process with the same executable, arguments, environment and working directory"
        >
          Relaunch
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => setConfirmDelete(true)}
          className={`${button} border-zinc-300 bg-white text-rose-700 enabled:hover:bg-rose-50 dark:border-zinc-600 dark:bg-zinc-800 dark:text-rose-400`}
        >
          Delete
        </button>
      </div>
      {busy && <p className="text-xs text-zinc-500 dark:text-zinc-400">Working…</p>}
      <ActionMessage message={message} />
      <ConfirmDialog
        open={confirmDelete}
        busy={busy}
        title={`Delete “${name}”?`}
        body={
          running
            ? "The record and its output file will be deleted. The process itself keeps running: stop it first to end it."
            : "The record and its output file will be deleted."
        }
        confirmLabel="Delete"
        onConfirm={() =>
          run(async () => {
            const result = await act.remove();
            setConfirmDelete(false);
            return result;
          })
        }
        onCancel={() => setConfirmDelete(false)}
      />
    </div>
  );
}
