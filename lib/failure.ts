import fs from "node:fs";
import path from "node:path";
import { isBusyError } from "./db/busy";

/**
 * Conditions of the machine rather than mistakes of the caller, told the same way by the API
 * (a code, its status in lib/api/respond.ts) and the pages (a notice instead of an error page): another program
 * holds the registry, the disk is full, the hub's store cannot be reached.
 */
export type FailureCode = "BUSY" | "DISK_FULL" | "STORE_DOWN";

export interface Failure {
  code: FailureCode;
  message: string;
}

// SQLITE_IOERR_SHMSIZE: the WAL index beside the registry could not grow.
const DISK_FULL = /SQLITE_FULL|SQLITE_IOERR_SHMSIZE|database or disk is full|ENOSPC|no space left on device/i;
const STORE_DOWN =
  /ECONNREFUSED|ECONNRESET|P1001|P1017|Can't reach database|Connection terminated|DatabaseNotReachable|connect ETIMEDOUT|the database system is (?:starting up|shutting down)/i;

function textOf(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    parts.push(String((e as { message?: unknown }).message ?? e), String((e as { code?: unknown }).code ?? ""));
  }
  return parts.join(" ");
}

// SQLite's words when a write to the WAL fails, a full disk among its causes.
const IO_ERROR = /SQLITE_IOERR|disk I\/O error/i;

/** Whether the filesystem holding `file` has no room left (for an unprivileged writer). */
function noRoomFor(file: string): boolean {
  try {
    return fs.statfsSync(path.dirname(file)).bavail === 0;
  } catch {
    return false;
  }
}

/**
 * The condition an error tells of, or null. `registry`: the registry file the failing work was
 * on; an I/O error there on a disk with no room left is a full disk (SQLite says "disk I/O
 * error" when its WAL cannot grow).
 */
export function knownFailure(error: unknown, registry?: string): Failure | null {
  const text = textOf(error);
  if (DISK_FULL.test(text) || (registry !== undefined && IO_ERROR.test(text) && noRoomFor(registry))) {
    return {
      code: "DISK_FULL",
      message:
        "The disk holding the registry is full: nothing could be written. Free some space on it (process-monitor prune removes stopped records and their output files) and try again.",
    };
  }
  if (isBusyError(error) || (error as { code?: unknown })?.code === "BUSY") {
    return {
      code: "BUSY",
      message: "The registry is busy: another program (the AYON launcher, a CLI) holds it locked. Try again in a moment.",
    };
  }
  if (STORE_DOWN.test(text)) {
    return {
      code: "STORE_DOWN",
      message: "The hub's fleet store cannot be reached (is its PostgreSQL running?). Try again in a moment.",
    };
  }
  return null;
}

/** An error we did not expect: logged with a reference, told by that reference alone. */
export function internalFailure(error: unknown): { ref: string; message: string } {
  const ref = Math.random().toString(16).slice(2, 10).padEnd(8, "0");
  console.error(`process-monitor: internal error ${ref}:`, error);
  return { ref, message: `Internal error (reference ${ref}); the server's log has the details.` };
}
