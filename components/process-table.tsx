"use client";

import Link from "next/link";
import { useState, useTransition } from "react";
import { deleteProcesses, pruneInactive, stopProcesses } from "@/lib/actions/processes";
import { fleetStopManyAction } from "@/lib/actions/fleet";
import type { HostStatus } from "@/lib/fleet/hub/status";
import { FIRST_DIR, type SortKey } from "@/lib/processes/query";
import { listHref, type ListPageState as ListQuery } from "@/lib/processes/query-params";
import { isActive, isAlive, STOP_GRACE_SECONDS, type ProcessView } from "@/lib/processes/status";
import { formatBytes, formatDuration } from "@/lib/format";
import { ActionMessage } from "./action-message";
import { ConfirmDialog } from "./confirm-dialog";
import { LocalTime } from "./local-time";
import { MiddleTruncate } from "./middle-truncate";
import { PhoneSort } from "./phone-sort";
import { StatusBadge } from "./status-badge";

type Pending = { kind: "one"; hash: string; name: string } | { kind: "selected" } | { kind: "stop-selected" } | { kind: "inactive" } | null;

const COLUMNS: Array<{ key: SortKey | null; label: string; className?: string }> = [
  { key: "status", label: "Status" },
  { key: "name", label: "Name" },
  { key: "pid", label: "PID", className: "text-right" },
  { key: null, label: "User" },
  { key: null, label: "Executable" },
  { key: "started", label: "Started" },
  { key: "runtime", label: "Runtime", className: "text-right" },
  { key: "cpu", label: "CPU", className: "text-right" },
  { key: "memory", label: "Memory", className: "text-right" },
  { key: "output", label: "Output", className: "text-right" },
];

/** A row of the fleet's table: a record and the host that reported it. */
export type TableRow = ProcessView & { host?: { name: string; status: HostStatus } };

/** The look of the buttons above the table (Delete selected, Stop selected, Delete all inactive). */
const TOOL_BUTTON =
  "rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm enabled:hover:bg-zinc-50 disabled:opacity-50 dark:border-zinc-700 dark:bg-zinc-900 dark:enabled:hover:bg-zinc-800";

/**
 * Below 640 px a row is a card of two lines, with no sideways scrolling: name, status and Delete,
 * then host, pid, start, and CPU and memory while it runs or how long it ran; user, executable
 * and output are on the record's page. The header is a "Sort by" control.
 */
const PHONE = {
  table: "max-sm:block",
  head: "max-sm:block max-sm:border-b-0",
  headRow: "max-sm:flex max-sm:items-center max-sm:gap-x-1 max-sm:px-1 max-sm:py-1",
  body: "max-sm:block",
  // A wrapping line of cells; the empty ::after takes a whole line of its own after the status,
  // so the figures start the second line, and a line too long for the screen wraps, never scrolls.
  row: "max-sm:relative max-sm:flex max-sm:flex-wrap max-sm:items-center max-sm:gap-x-2.5 max-sm:py-2 max-sm:pr-2 max-sm:after:order-4 max-sm:after:basis-full max-sm:after:content-['']",
  /** With a checkbox: it stands on the left of both lines. */
  rowWithCheck: "max-sm:pl-10",
  rowWithoutCheck: "max-sm:pl-3",
  cell: "max-sm:p-0",
  hidden: "max-sm:hidden",
  check: "max-sm:absolute max-sm:left-3 max-sm:top-1/2 max-sm:-translate-y-1/2",
  name: "max-sm:order-1 max-sm:min-w-0 max-sm:max-w-none max-sm:flex-1 max-sm:truncate",
  status: "max-sm:order-2",
  host: "max-sm:order-5 max-sm:mt-1 max-sm:min-w-0 max-sm:whitespace-normal max-sm:text-xs max-sm:[overflow-wrap:anywhere]",
  pid: "max-sm:order-6 max-sm:mt-1 max-sm:text-left max-sm:font-sans max-sm:text-xs",
  started: "max-sm:order-7 max-sm:mt-1 max-sm:text-xs",
  runtime: "max-sm:order-8 max-sm:mt-1 max-sm:text-left max-sm:text-xs",
  cpu: "max-sm:order-9 max-sm:mt-1 max-sm:text-left max-sm:text-xs",
  memory: "max-sm:order-10 max-sm:mt-1 max-sm:text-left max-sm:text-xs",
  remove: "max-sm:order-3 max-sm:-my-1",
} as const;

/** A figure a phone's card leaves out when there is none (an ended record has no usage, a foreign row no start). */
const onPhoneIfShown = (value: number | null) => (value === null ? PHONE.hidden : "");

/** The columns a phone sorts by (its "Sort by" control), in the table's order. */
const SORTABLE = COLUMNS.flatMap((column) => (column.key ? [{ key: column.key, label: column.label }] : []));

const rowKey = (row: TableRow) => (row.host ? `${row.host.name}/${row.hash}` : row.hash);

export function ProcessTable({
  rows,
  query,
  stoppedCount,
  empty,
  base = "/",
  readOnly = false,
  fleetStop = false,
  showHost = rows.some((r) => r.host) && !query.host,
}: {
  rows: TableRow[];
  query: ListQuery & { host?: string };
  stoppedCount: number;
  /** Shown instead of the table when there are no rows (kept beside the action message). */
  empty?: React.ReactNode;
  /** The list page's path, for sort links ("/", "/fleet", "/fleet/<host>"). */
  base?: string;
  /** The fleet's tables: records as reported, without selection or delete. */
  readOnly?: boolean;
  /** The fleet's table for an operator: its records can be selected and stopped through their agents (never deleted from here). */
  fleetStop?: boolean;
  /** A column naming each row's host (the fleet's table over every host). */
  showHost?: boolean;
}) {
  const detailHref = (row: TableRow) => (row.host ? `/fleet/${row.host.name}/processes/${row.hash}` : `/processes/${row.hash}`);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [pending, setPending] = useState<Pending>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, startTransition] = useTransition();

  // Selection survives refreshes; rows that disappeared simply drop out of it.
  // Rows are selected by host and hash (the fleet's table holds many hosts).
  const canSelect = !readOnly || fleetStop;
  const visible = new Map(rows.map((r) => [rowKey(r), r]));
  const selectedRows = [...selected].flatMap((key) => visible.get(key) ?? []);
  const selectedVisible = selectedRows.map((r) => r.hash);
  const allSelected = rows.length > 0 && selectedRows.length === rows.length;
  // Only the selected records that still run can be stopped.
  const runningSelected = selectedRows.filter((r) => isAlive(r));

  const toggle = (hash: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(hash)) next.delete(hash);
      else next.add(hash);
      return next;
    });

  const confirm = () => {
    const action = pending;
    if (!action) return;
    startTransition(async () => {
      const result =
        action.kind === "inactive"
          ? await pruneInactive()
          : action.kind === "stop-selected"
            ? fleetStop
              ? await fleetStopManyAction(runningSelected.map((r) => ({ host: r.host?.name ?? "", hash: r.hash })))
              : await stopProcesses(runningSelected.map((r) => r.hash))
            : await deleteProcesses(action.kind === "one" ? [action.hash] : selectedVisible);
      setMessage({ ok: result.ok, text: result.message });
      if (result.ok && action.kind !== "inactive") setSelected(new Set());
      setPending(null);
    });
  };

  const sortLink = (key: SortKey) => {
    const active = query.sort === key;
    const dir = active ? (query.dir === "desc" ? "asc" : "desc") : FIRST_DIR[key];
    return listHref(query, { sort: key, dir, page: 1 }, base);
  };

  return (
    <div className="space-y-3">
      {canSelect && (
        <div className="flex flex-wrap items-center gap-2">
          {!readOnly && (
            <button
              type="button"
              disabled={selectedVisible.length === 0}
              onClick={() => setPending({ kind: "selected" })}
              className={TOOL_BUTTON}
            >
              Delete selected{selectedVisible.length ? ` (${selectedVisible.length})` : ""}
            </button>
          )}
          <button
            type="button"
            disabled={runningSelected.length === 0}
            onClick={() => setPending({ kind: "stop-selected" })}
            className={TOOL_BUTTON}
          >
            Stop selected{runningSelected.length ? ` (${runningSelected.length})` : ""}
          </button>
          {!readOnly && (
            <button type="button" disabled={stoppedCount === 0} onClick={() => setPending({ kind: "inactive" })} className={TOOL_BUTTON}>
              Delete all inactive ({stoppedCount})
            </button>
          )}
          <ActionMessage message={message} />
        </div>
      )}

      {rows.length === 0 && empty ? (
        empty
      ) : (
        <div
          tabIndex={0}
          role="region"
          aria-label="Processes"
          className="relative overflow-x-auto rounded-lg border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
        >
          <table className={`w-full text-sm sm:min-w-[960px] ${PHONE.table}`}>
            <thead
              className={`border-b border-zinc-200 bg-zinc-50 text-left text-xs font-medium uppercase tracking-wide text-zinc-500 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400 ${PHONE.head}`}
            >
              <tr className={PHONE.headRow}>
                {canSelect && (
                  <th className="w-10 px-3 py-2 max-sm:w-auto max-sm:px-2 max-sm:py-1">
                    <input
                      type="checkbox"
                      aria-label="Select all on this page"
                      checked={allSelected}
                      onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map(rowKey)))}
                      className="size-4 accent-indigo-600"
                    />
                  </th>
                )}
                <th className="sm:hidden max-sm:px-2 max-sm:py-1 max-sm:font-normal">
                  <PhoneSort query={query} base={base} columns={SORTABLE} />
                </th>
                {showHost && <th className={`px-3 py-2 ${PHONE.hidden}`}>Host</th>}
                {COLUMNS.map((column) => (
                  <th
                    key={column.label}
                    className={`whitespace-nowrap px-3 py-2 ${column.className ?? ""} ${PHONE.hidden}`}
                    aria-sort={column.key && query.sort === column.key ? (query.dir === "asc" ? "ascending" : "descending") : undefined}
                  >
                    {column.key ? (
                      <Link
                        href={sortLink(column.key)}
                        scroll={false}
                        className="inline-flex items-center gap-1 hover:text-zinc-900 dark:hover:text-zinc-100"
                      >
                        {column.label}
                        <span aria-hidden className="text-[10px]">
                          {query.sort === column.key ? (query.dir === "asc" ? "▲" : "▼") : ""}
                        </span>
                      </Link>
                    ) : (
                      column.label
                    )}
                  </th>
                ))}
                {!readOnly && (
                  <th className={`px-3 py-2 ${PHONE.hidden}`}>
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody className={`divide-y divide-zinc-100 dark:divide-zinc-800 ${PHONE.body}`}>
              {rows.map((row) => {
                return (
                  <tr
                    key={rowKey(row)}
                    data-hash={row.hash}
                    data-host={row.host?.name}
                    className={`hover:bg-zinc-50 dark:hover:bg-zinc-800/50 ${selected.has(rowKey(row)) ? "bg-indigo-50/60 dark:bg-indigo-500/10" : ""} ${PHONE.row} ${canSelect ? PHONE.rowWithCheck : PHONE.rowWithoutCheck}`}
                  >
                    {canSelect && (
                      <td className={`px-3 py-2 ${PHONE.cell} ${PHONE.check}`}>
                        <input
                          type="checkbox"
                          aria-label={`Select ${row.name}${row.host ? ` on ${row.host.name}` : ""}`}
                          checked={selected.has(rowKey(row))}
                          onChange={() => toggle(rowKey(row))}
                          className="size-4 accent-indigo-600"
                        />
                      </td>
                    )}
                    {showHost && (
                      <td className={`whitespace-nowrap px-3 py-2 ${PHONE.cell} ${PHONE.host}`}>
                        {row.host && (
                          <Link href={`/fleet/${row.host.name}`} prefetch={false} className="hover:underline">
                            {row.host.name}
                          </Link>
                        )}
                        {row.host && row.host.status !== "online" && (
                          <span className="ml-1.5 text-xs text-zinc-500 dark:text-zinc-400">({row.host.status}, last known)</span>
                        )}
                      </td>
                    )}
                    <td className={`px-3 py-2 ${PHONE.cell} ${PHONE.status}`}>
                      <StatusBadge view={row} />
                    </td>
                    <td className={`max-w-[16rem] whitespace-nowrap px-3 py-2 ${PHONE.cell} ${PHONE.name}`}>
                      <Link
                        href={detailHref(row)}
                        prefetch={false}
                        className="font-medium text-indigo-700 hover:underline dark:text-indigo-300"
                      >
                        {row.name || <em className="text-zinc-400">unnamed</em>}
                      </Link>
                      {row.warnings.length > 0 && (
                        <span
                          className="ml-2 cursor-help rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-800 dark:bg-amber-500/15 dark:text-amber-300"
                          title={`Malformed row: ${row.warnings.join("; ")}`}
                          data-testid="row-warning"
                        >
                          ⚠ malformed
                        </span>
                      )}
                    </td>
                    <td className={`px-3 py-2 text-right font-mono tabular-nums ${PHONE.cell} ${PHONE.pid} ${onPhoneIfShown(row.pid)}`}>
                      <span className="sm:hidden">pid </span>
                      {row.pid ?? "–"}
                    </td>
                    <td
                      className={`max-w-[8rem] truncate whitespace-nowrap px-3 py-2 text-xs ${PHONE.hidden}`}
                      title={row.user ?? undefined}
                      data-testid="user"
                    >
                      {row.user ?? "–"}
                    </td>
                    <td className={`max-w-[22rem] whitespace-nowrap px-3 py-2 text-xs ${PHONE.hidden}`}>
                      <MiddleTruncate text={row.executable} max={40} />
                      {row.currentExecutable && (
                        <span className="block text-zinc-500 dark:text-zinc-400" data-testid="execd">
                          exec&rsquo;d into <MiddleTruncate text={row.currentExecutable} max={30} />
                        </span>
                      )}
                    </td>
                    <td className={`whitespace-nowrap px-3 py-2 ${PHONE.cell} ${PHONE.started} ${onPhoneIfShown(row.startTime)}`}>
                      <span className="sm:hidden">started </span>
                      <LocalTime seconds={row.startTime} />
                    </td>
                    <td
                      className={`whitespace-nowrap px-3 py-2 text-right tabular-nums ${PHONE.cell} ${PHONE.runtime} ${isActive(row) ? PHONE.hidden : onPhoneIfShown(row.runtime)}`}
                    >
                      {/* While it runs, "started 8 s ago" says how long on a phone's card. */}
                      <span className="sm:hidden">ran </span>
                      {formatDuration(row.runtime)}
                    </td>
                    <td
                      className={`whitespace-nowrap px-3 py-2 text-right tabular-nums ${PHONE.cell} ${PHONE.cpu} ${onPhoneIfShown(row.cpuPercent)}`}
                    >
                      <span className="sm:hidden">CPU </span>
                      {row.cpuPercent === null ? "–" : `${row.cpuPercent.toFixed(1)}%`}
                    </td>
                    <td
                      className={`whitespace-nowrap px-3 py-2 text-right tabular-nums ${PHONE.cell} ${PHONE.memory} ${onPhoneIfShown(row.rssBytes)}`}
                    >
                      {formatBytes(row.rssBytes)}
                    </td>
                    <td className={`whitespace-nowrap px-3 py-2 text-right tabular-nums ${PHONE.hidden}`}>
                      {row.outputSize === null ? (
                        <span className="text-zinc-400">–</span>
                      ) : (
                        <>
                          {readOnly ? (
                            formatBytes(row.outputSize)
                          ) : (
                            <Link href={`/processes/${row.hash}/output`} prefetch={false} className="hover:underline">
                              {formatBytes(row.outputSize)}
                            </Link>
                          )}
                          {row.runawayOutput && (
                            <span
                              className="mt-0.5 block text-xs font-medium text-amber-700 dark:text-amber-300"
                              data-testid="runaway"
                              title="This running process's output alone is huge; retention never deletes a running process's output."
                            >
                              runaway log{row.outputGrowth !== null ? ` · +${formatBytes(Math.max(0, row.outputGrowth) * 60)}/min` : ""}
                            </span>
                          )}
                        </>
                      )}
                    </td>
                    {!readOnly && (
                      <td className={`px-3 py-2 text-right ${PHONE.cell} ${PHONE.remove}`}>
                        <button
                          type="button"
                          onClick={() => setPending({ kind: "one", hash: row.hash, name: row.name })}
                          className="rounded px-2 py-1 text-xs text-rose-700 hover:bg-rose-50 dark:text-rose-400 dark:hover:bg-rose-500/10"
                          aria-label={`Delete ${row.name}`}
                        >
                          Delete
                        </button>
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      <ConfirmDialog
        open={pending !== null}
        busy={busy}
        title={
          pending?.kind === "stop-selected"
            ? `Stop ${runningSelected.length} running process${runningSelected.length === 1 ? "" : "es"}?`
            : pending?.kind === "inactive"
              ? "Delete all inactive records?"
              : pending?.kind === "selected"
                ? `Delete ${selectedVisible.length} selected record${selectedVisible.length === 1 ? "" : "s"}?`
                : `Delete “${pending?.kind === "one" ? pending.name : ""}”?`
        }
        body={
          pending?.kind === "stop-selected"
            ? `${runningSelected
                .slice(0, 5)
                .map((r) => `${r.name || "unnamed"} (pid ${r.pid ?? "?"}${r.host ? ` on ${r.host.name}` : ""})`)
                .join(
                  ", ",
                )}${runningSelected.length > 5 ? ` and ${runningSelected.length - 5} more` : ""}: each gets SIGTERM, then SIGKILL after ${STOP_GRACE_SECONDS} s if it still runs. Unsaved work in them is lost. The records stay.`
            : pending?.kind === "inactive"
              ? `Every stopped record (${stoppedCount} now) and its output file will be deleted. Running processes are kept.`
              : "The record and its output file will be deleted. A process that is still running is not stopped."
        }
        confirmLabel={pending?.kind === "stop-selected" ? "Stop" : "Delete"}
        onConfirm={confirm}
        onCancel={() => setPending(null)}
      />
    </div>
  );
}
