"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import Link from "next/link";
import { useCallback, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from "react";
import { formatBytes } from "@/lib/format";
import { OutputLine } from "./output-line";
import { useOutput } from "./use-output";
import { useOutputSearch } from "./use-output-search";
import type { InitialTail } from "@/lib/processes/local";

const ROW_HEIGHT = 20;
/** Lines painted by the server before the script runs: about one screen, at the bottom like a terminal. */
const STATIC_LINES = 45;

const noSubscribe = () => () => undefined;

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** "3 of 12 matches" once a match is shown (its place known), else "12 matches"; "12+" when counting was cut short. */
function matchCount(count: { count: number; complete: boolean }, index: number | null): string {
  const total = `${count.count}${count.complete ? "" : "+"}`;
  const noun = count.count === 1 && count.complete ? "match" : "matches";
  return index !== null && index <= count.count ? `${index} of ${total} ${noun}` : `${total} ${noun}`;
}

export function OutputViewer({
  hash,
  name,
  running,
  initial,
  api = `/api/processes/${hash}`,
  detailHref = `/processes/${hash}`,
  download = true,
}: {
  hash: string;
  name: string;
  running: boolean;
  initial?: InitialTail;
  /** The record's API path: this workstation's, or a fleet record's through the hub. */
  api?: string;
  detailHref?: string;
  /** Whole-file downloads (a workstation's own dashboard only). */
  download?: boolean;
}) {
  const { state, appended, resetAppended, loadWindow, loadEarlier } = useOutput(api, initial);
  const [wrap, setWrap] = useState(false);
  const [following, setFollowing] = useState(true);
  const { search, setQuery, find } = useOutputSearch(api);
  const scrollRef = useRef<HTMLDivElement>(null);
  const frameRef = useFittedHeight();
  const pendingScroll = useRef<
    { kind: "bottom" } | { kind: "offset"; offset: number } | { kind: "prepend"; lines: number; top: number } | null
  >({ kind: "bottom" });

  const count = state.lines.length + (state.partial ? 1 : 0);
  // False on the server and during hydration: the virtual list needs a measured element,
  // so the server paints the last lines as plain rows and the list takes over after.
  const hydrated = useSyncExternalStore(
    noSubscribe,
    () => true,
    () => false,
  );
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 30,
    measureElement: wrap ? (element) => element.getBoundingClientRect().height : undefined,
  });

  // Keep the view where the user expects it after the lines change.
  useLayoutEffect(() => {
    const element = scrollRef.current;
    const pending = pendingScroll.current;
    if (!element) return;
    if (pending?.kind === "prepend") {
      element.scrollTop = pending.top + pending.lines * ROW_HEIGHT;
      pendingScroll.current = null;
    } else if (pending?.kind === "offset") {
      // A render may come before the window holding the offset arrives (setFollowing(false)
      // re-renders at once): scrolling then would land in the old lines and use the request up.
      const loadedFrom = state.offsets[0];
      if (loadedFrom === undefined || pending.offset < loadedFrom || pending.offset >= state.end) return;
      const index = Math.min(lowerBound(state.offsets, pending.offset), Math.max(0, count - 1));
      virtualizer.scrollToIndex(index, { align: "center" });
      pendingScroll.current = null;
    } else if ((pending?.kind === "bottom" || following) && count > 0) {
      virtualizer.scrollToIndex(count - 1, { align: "end" });
      if (pending?.kind === "bottom") pendingScroll.current = null;
    }
  }, [count, state.offsets, state.end, following, virtualizer]);

  const onScroll = useCallback(() => {
    const element = scrollRef.current;
    if (!element) return;
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < ROW_HEIGHT * 2;
    setFollowing(atBottom && state.attached);
    if (atBottom) resetAppended();
    if (element.scrollTop < ROW_HEIGHT * 40 && (state.offsets[0] ?? 0) > 0) {
      const top = element.scrollTop;
      void loadEarlier().then((lines) => {
        if (lines > 0) pendingScroll.current = { kind: "prepend", lines, top: scrollRef.current?.scrollTop ?? top };
      });
    }
  }, [state.attached, state.offsets, loadEarlier, resetAppended]);

  useEffect(() => {
    if (!following) return;
    resetAppended();
  }, [following, appended, resetAppended]);

  const jumpToEnd = async () => {
    if (!state.attached) await loadWindow();
    pendingScroll.current = { kind: "bottom" };
    setFollowing(true);
    resetAppended();
    if (state.attached && count > 0) virtualizer.scrollToIndex(count - 1, { align: "end" });
  };

  const jumpToStart = async () => {
    setFollowing(false);
    if ((state.offsets[0] ?? 0) > 0) {
      pendingScroll.current = { kind: "offset", offset: 0 };
      await loadWindow(0);
    } else {
      virtualizer.scrollToIndex(0, { align: "start" });
    }
  };

  const needle = search.query.trim().toLowerCase();

  const runSearch = async (direction: "next" | "prev") => {
    const firstVisible = virtualizer.getVirtualItems()[0]?.index ?? 0;
    const from =
      search.current !== null
        ? direction === "next"
          ? search.current + 1
          : search.current
        : direction === "next"
          ? (state.offsets[firstVisible] ?? 0)
          : state.end;
    const match = await find(direction, from, Math.max(state.size, state.end));
    if (!match) return;
    setFollowing(false);
    const loadedFrom = state.offsets[0] ?? state.end;
    if (match.lineStart >= loadedFrom && match.lineStart < state.end) {
      virtualizer.scrollToIndex(lowerBound(state.offsets, match.lineStart), { align: "center" });
    } else {
      pendingScroll.current = { kind: "offset", offset: match.lineStart };
      await loadWindow(Math.max(0, match.lineStart - 64 * 1024));
    }
  };

  const loadedBytes = state.end - (state.offsets[0] ?? state.end);

  return (
    <div ref={frameRef} className="flex h-[calc(100dvh-var(--viewer-top,9rem)-1.5rem)] min-h-[24rem] flex-col gap-2">
      <h1 className="sr-only">Output of {name}</h1>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <Link href={detailHref} className="text-indigo-700 hover:underline dark:text-indigo-300">
          ← {name}
        </Link>
        <span className="text-zinc-500 dark:text-zinc-400" data-testid="output-size">
          {formatBytes(state.size)}
          {state.size > loadedBytes && state.status === "ready" ? ` · ${formatBytes(loadedBytes)} loaded` : ""}
        </span>
        {running && state.attached && (
          <span className="inline-flex items-center gap-1 text-xs text-emerald-700 dark:text-emerald-400">
            <span className="size-1.5 animate-pulse rounded-full bg-current" aria-hidden /> live
          </span>
        )}
        <form
          className="flex w-full flex-wrap items-center gap-1 sm:ml-auto sm:w-auto"
          onSubmit={(event) => {
            event.preventDefault();
            void runSearch("next");
          }}
        >
          <input
            type="search"
            value={search.query}
            onChange={(event) => setQuery(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter" && event.shiftKey) {
                event.preventDefault();
                void runSearch("prev");
              }
            }}
            placeholder="Search the whole output…"
            aria-label="Search the output"
            className="w-full min-w-0 flex-1 rounded-md border border-zinc-300 sm:w-64 sm:flex-none bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
          />
          <button
            type="button"
            onClick={() => void runSearch("prev")}
            disabled={!needle || search.busy}
            className="rounded border border-zinc-300 px-2 py-1 disabled:opacity-50 dark:border-zinc-700"
            aria-label="Previous match"
          >
            ↑
          </button>
          <button
            type="submit"
            disabled={!needle || search.busy}
            className="rounded border border-zinc-300 px-2 py-1 disabled:opacity-50 dark:border-zinc-700"
            aria-label="Next match"
          >
            ↓
          </button>
          <span className="min-w-24 text-xs text-zinc-600 dark:text-zinc-400" data-testid="search-status" aria-live="polite">
            {search.busy
              ? "Searching…"
              : // "No match in the whole output." alone, not after "0 matches"; a count and a message apart.
                [
                  search.count && !(search.count.count === 0 && search.message) ? matchCount(search.count, search.index) : "",
                  search.message ?? "",
                ]
                  .filter(Boolean)
                  .join(" · ")}
          </span>
        </form>
        <label className="flex items-center gap-1 text-xs">
          <input type="checkbox" checked={wrap} onChange={(event) => setWrap(event.target.checked)} className="accent-indigo-600" /> Wrap
        </label>
        <button
          type="button"
          onClick={() => void jumpToStart()}
          className="rounded border border-zinc-300 px-2 py-1 text-xs dark:border-zinc-700"
        >
          Start
        </button>
        <button
          type="button"
          onClick={() => void jumpToEnd()}
          className="rounded border border-zinc-300 px-2 py-1 text-xs dark:border-zinc-700"
        >
          End
        </button>
        {download && (
          <a href={`${api}/output?download=1`} className="rounded border border-zinc-300 px-2 py-1 text-xs dark:border-zinc-700" download>
            Download
          </a>
        )}
      </div>

      <div className="relative min-h-0 flex-1">
        {state.status === "missing" && (
          <p
            role="alert"
            data-testid="output-missing"
            className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900 dark:border-amber-500/40 dark:bg-amber-500/10 dark:text-amber-200"
          >
            {state.message}
          </p>
        )}
        {state.status === "error" && (
          <p
            role="alert"
            className="rounded-md border border-rose-300 bg-rose-50 p-4 text-sm text-rose-900 dark:bg-rose-500/10 dark:text-rose-200"
          >
            Could not read the output: {state.message}
          </p>
        )}
        {state.status === "ready" && count === 0 && (
          <p className="absolute inset-x-0 top-8 text-center text-sm text-zinc-400" data-testid="output-empty">
            {running ? "No output yet. New lines appear here as the process writes them." : "The process printed nothing."}
          </p>
        )}
        <div
          ref={scrollRef}
          onScroll={onScroll}
          data-testid="output-scroll"
          tabIndex={0}
          role="region"
          aria-label={`Output of ${name}`}
          className={`h-full overflow-auto rounded-md bg-zinc-950 py-2 font-mono text-[13px] leading-5 text-zinc-100 ${state.status === "ready" ? "" : "hidden"}`}
        >
          {(state.offsets[0] ?? 0) > 0 && (
            <div className="px-3 pb-1 text-xs text-zinc-400">
              Earlier output loads as you scroll up ·{" "}
              <button type="button" className="underline" onClick={() => void jumpToStart()}>
                jump to the start
              </button>
            </div>
          )}
          {!hydrated && (
            <div className="flex min-h-full flex-col justify-end" data-testid="output-static">
              {[...state.lines.slice(-STATIC_LINES), ...(state.partial ? [state.partial] : [])].map((raw, i, shown) => (
                <div key={i} className="pr-3" style={{ height: ROW_HEIGHT }}>
                  <OutputLine
                    raw={raw}
                    number={state.firstLineNumber === null ? null : state.firstLineNumber + count - shown.length + i}
                    needle=""
                    current={false}
                    wrap={false}
                  />
                </div>
              ))}
            </div>
          )}
          <div
            style={{
              height: hydrated ? virtualizer.getTotalSize() : 0,
              position: "relative",
              minWidth: "100%",
              width: wrap ? "100%" : "max-content",
            }}
          >
            {(hydrated ? virtualizer.getVirtualItems() : []).map((item) => {
              const isPartial = item.index >= state.lines.length;
              const raw = isPartial ? state.partial : state.lines[item.index]!;
              const offset = isPartial ? null : state.offsets[item.index]!;
              return (
                <div
                  key={item.key}
                  data-index={item.index}
                  ref={wrap ? virtualizer.measureElement : undefined}
                  style={{
                    position: "absolute",
                    top: 0,
                    left: 0,
                    right: 0,
                    transform: `translateY(${item.start}px)`,
                    height: wrap ? undefined : ROW_HEIGHT,
                  }}
                  className="pr-3"
                >
                  <OutputLine
                    raw={raw}
                    number={state.firstLineNumber === null ? null : state.firstLineNumber + item.index}
                    needle={needle}
                    current={offset !== null && offset === search.currentLine}
                    wrap={wrap}
                  />
                </div>
              );
            })}
          </div>
        </div>
        {!following && state.status === "ready" && (
          <button
            type="button"
            onClick={() => void jumpToEnd()}
            data-testid="jump-to-end"
            className="absolute bottom-4 right-6 rounded-full bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-lg hover:bg-indigo-500"
          >
            Jump to end{appended > 0 ? ` · ${appended.toLocaleString()} new line${appended === 1 ? "" : "s"}` : ""}
          </button>
        )}
      </div>
    </div>
  );
}

/**
 * The viewer fills the screen below where it starts, whatever sits above it: on a phone the
 * header wraps to several lines, and a height guessed for the desktop's put the newest lines
 * (the followed end) below the fold. 100dvh follows a phone's browser bars as they come and go.
 */
function useFittedHeight() {
  const frameRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const frame = frameRef.current;
    if (!frame) return;
    const fit = () => frame.style.setProperty("--viewer-top", `${Math.round(frame.getBoundingClientRect().top + window.scrollY)}px`);
    fit();
    // The header's height changes when it wraps (a rotation, a narrower window, the hub's status line).
    const observer = new ResizeObserver(fit);
    observer.observe(document.body);
    window.addEventListener("resize", fit);
    return () => {
      observer.disconnect();
      window.removeEventListener("resize", fit);
    };
  }, []);
  return frameRef;
}
