// The records this browser watches (SPEC: a notification when a watched record ends, while any
// tab of the dashboard is open). Kept in localStorage, so every tab of this dashboard shares one
// list and it outlives a reload; no server state. No Node APIs: only client components use it.

import { basicEndReason } from "../registry/end-reason";

export interface Watched {
  /** The record's page URL: one watch per record, local or remote. */
  page: string;
  /** Its JSON record (GET), polled until it says the record ended. */
  record: string;
  name: string;
}

const KEY = "process-monitor:watched";
/** Said within this tab when its list changes (the storage event tells only the other tabs). */
export const WATCHED_EVENT = "process-monitor:watched";

export function readWatched(): Watched[] {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? "[]") as unknown;
    return Array.isArray(value)
      ? value.filter((w): w is Watched => typeof w?.page === "string" && typeof w?.record === "string" && typeof w?.name === "string")
      : [];
  } catch {
    return [];
  }
}

function write(list: Watched[]): void {
  localStorage.setItem(KEY, JSON.stringify(list));
  window.dispatchEvent(new Event(WATCHED_EVENT));
}

export function addWatched(watched: Watched): void {
  write([...readWatched().filter((w) => w.page !== watched.page), watched]);
}

export function removeWatched(page: string): void {
  write(readWatched().filter((w) => w.page !== page));
}

/** What the record's JSON says of an ended record (its reason, else its code or signal), or null while it (or children it left) runs. */
export function endOf(record: {
  status: string;
  exitCode: number | null;
  exitSignal: string | null;
  stopSignal: string | null;
  endReason?: { text: string } | null;
}): string | null {
  if (record.status !== "stopped") return null;
  // An older agent's record carries no reason: the same rule the workstation applies to code and signal.
  return record.endReason?.text || basicEndReason(record)?.text || "It ended (how is not known).";
}
