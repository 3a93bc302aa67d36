import { shared } from "../config/shared";

/** How long a statement waits for another writer (web server, CLI, AYON) to let go. */
export const BUSY_TIMEOUT_MS = 15_000;

/**
 * How long a read waits. In WAL mode a writer never blocks readers: a read refused as busy
 * means another program holds the file in an exclusive locking mode (for as long as it keeps
 * its connection), so waiting the writers' 15 s only held every page that long (issue 41).
 */
export const READ_BUSY_MS = 2_000;

/**
 * How long the driver itself waits on a lock. SQLite's busy handler sleeps in the calling
 * thread: with 15 s there, a long AYON transaction froze every page of the server. The rest
 * of the wait is asynchronous retries (withBusyRetry), so other requests go on meanwhile.
 */
export const DRIVER_BUSY_MS = 25;

/** SQLite's "database is locked/busy" surfaces with these texts through Prisma's adapter. */
export function isBusyError(error: unknown): boolean {
  const text = String((error as { message?: unknown })?.message ?? error);
  return /SQLITE_BUSY|database is locked|SocketTimeout|busy/i.test(text);
}

/**
 * Runs a statement, retrying it while another program holds the lock, until `deadlineMs`. A
 * statement refused as busy did nothing, so running it again is safe.
 */
export async function withBusyRetry<T>(run: () => Promise<T>, deadlineMs = BUSY_TIMEOUT_MS): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      if (!isBusyError(error) || Date.now() >= until) throw error;
      busyWaits.count += 1;
      busyWaits.waiting += 1;
      try {
        await new Promise((resolve) => setTimeout(resolve, Math.min(250, 10 * 2 ** Math.min(attempt, 5))));
      } finally {
        busyWaits.waiting -= 1;
      }
    }
  }
}

/**
 * How often statements had to wait for another program's lock, and how many wait now. On
 * globalThis: Next's bundles may each hold a copy of this module, and the page that asks is
 * not always the bundle that opened the registry.
 */
export const busyWaits: { count: number; waiting: number } = shared("busy-waits", () => ({ count: 0, waiting: 0 }));
