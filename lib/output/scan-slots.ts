import { CodedError } from "../errors";
import { shared } from "../config/shared";

/**
 * Whole-file searches (next/previous match, match counts) read up to the whole file. Each
 * yields between chunks, but many at once would still fill the thread pool that every file
 * read of every request shares, so a server runs at most this many (PROCESS_MONITOR_MAX_SEARCHES).
 */
export function maxSearches(): number {
  const n = Number(process.env.PROCESS_MONITOR_MAX_SEARCHES);
  return Number.isInteger(n) && n > 0 ? n : 4;
}

/** How long a search refused for want of a slot is told to wait. */
export const SEARCH_RETRY_SECONDS = 2;

export class SearchesBusyError extends CodedError<"SEARCHES_BUSY"> {
  static override readonly brand = "SearchesBusyError";
  readonly retryAfterSeconds = SEARCH_RETRY_SECONDS;
  constructor(readonly running: number) {
    super("SEARCHES_BUSY", `${running} searches are already running on this server; try again in a moment.`);
  }
}

const slots = shared("search-slots", () => ({ running: 0 }));

/** Runs `scan` in one of the server's search slots, or throws SearchesBusyError when all are taken. */
export async function withSearchSlot<T>(scan: () => Promise<T>): Promise<T> {
  if (slots.running >= maxSearches()) throw new SearchesBusyError(slots.running);
  slots.running++;
  try {
    return await scan();
  } finally {
    slots.running--;
  }
}
