"use client";

import { useState } from "react";

export interface SearchState {
  query: string;
  count: { count: number; complete: boolean } | null;
  /** The current match's place among all (1 first); null when unknown (an older agent, or counting to it took too long). */
  index: number | null;
  /** Byte offset of the current match. */
  current: number | null;
  /** Byte offset of the line holding it. */
  currentLine: number | null;
  message: string | null;
  busy: boolean;
}

export interface SearchMatch {
  offset: number;
  lineStart: number;
}

const EMPTY: SearchState = { query: "", count: null, index: null, current: null, currentLine: null, message: null, busy: false };

async function searchRequest<T>(api: string, params: Record<string, string>): Promise<T> {
  const response = await fetch(`${api}/output/search?${new URLSearchParams(params)}`, { cache: "no-store" });
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  // A 429 (the server's searches are all busy) says so in `error`: shown as the reason.
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

/**
 * The output viewer's search over the whole file, on the server: the next or previous
 * match from a byte (wrapping around like an editor), and the number of matches. The
 * viewer decides where to scroll; this keeps the query, the count and the messages.
 */
export function useOutputSearch(api: string) {
  const [search, setSearch] = useState<SearchState>(EMPTY);

  const setQuery = (query: string) => setSearch({ ...EMPTY, query });

  /** The match to show next, or null (the message then says why). `fileEnd` is where "prev" wraps to. */
  const find = async (direction: "next" | "prev", from: number, fileEnd: number): Promise<SearchMatch | null> => {
    const query = search.query.trim();
    if (!query) return null;
    setSearch((s) => ({ ...s, busy: true, message: null }));
    try {
      type Found = { match?: SearchMatch | null; timedOut?: boolean; index?: number | null };
      const findFrom = (start: number) => searchRequest<Found>(api, { q: query, from: String(start), dir: direction });
      const counting =
        search.count === null
          ? // A count the server could not make (busy) is left out, not shown as wrong.
            searchRequest<{ count: number; complete: boolean }>(api, { q: query, count: "1" }).catch(() => null)
          : Promise.resolve(search.count);
      let hit = await findFrom(from);
      let wrapped = false;
      if (!hit.match && !hit.timedOut) {
        const restart = direction === "next" ? 0 : fileEnd;
        if (restart !== from) {
          hit = await findFrom(restart);
          wrapped = true;
        }
      }
      const counted = await counting;
      const match = hit.match ?? null;
      setSearch((s) => ({
        ...s,
        count: counted,
        busy: false,
        ...(match
          ? {
              current: match.offset,
              currentLine: match.lineStart,
              index: typeof hit.index === "number" ? hit.index : null,
              message: wrapped ? (direction === "next" ? "Continued from the top." : "Continued from the bottom.") : null,
            }
          : { index: null, message: hit.timedOut ? "Search took too long; try a more specific text." : "No match in the whole output." }),
      }));
      return match;
    } catch (error) {
      setSearch((s) => ({ ...s, busy: false, message: `Search failed: ${(error as Error).message}` }));
      return null;
    }
  };

  return { search, setQuery, find };
}
