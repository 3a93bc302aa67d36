"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, useTransition } from "react";
import { useNow } from "./use-now";

/**
 * Re-renders the page's server components every few seconds. A refresh keeps client
 * state (scroll, selection, open dialogs, typed text): only the data changes.
 */
export function AutoRefresh({ generatedAt, intervalMs = 5_000 }: { generatedAt: number; intervalMs?: number }) {
  const router = useRouter();
  const [paused, setPaused] = useState(false);
  const now = useNow();
  const [pending, startTransition] = useTransition();

  useEffect(() => {
    if (paused) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") startTransition(() => router.refresh());
    }, intervalMs);
    return () => clearInterval(timer);
  }, [paused, intervalMs, router]);

  const age = now === null ? 0 : Math.max(0, Math.round((now - generatedAt) / 1000));
  return (
    <div
      className="flex items-center gap-2 text-xs text-zinc-500 dark:text-zinc-400"
      data-testid="refresh-status"
      data-generated-at={generatedAt}
    >
      <span aria-live="off" title={new Date(generatedAt).toLocaleString()}>
        {pending ? "Refreshing…" : `Updated ${age < 2 ? "just now" : `${age}s ago`}`}
      </span>
      <button
        type="button"
        onClick={() => setPaused((p) => !p)}
        className="rounded border border-zinc-300 px-1.5 py-0.5 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
        aria-pressed={paused}
      >
        {paused ? "Resume auto-refresh" : "Pause"}
      </button>
      <button
        type="button"
        onClick={() => startTransition(() => router.refresh())}
        className="rounded border border-zinc-300 px-1.5 py-0.5 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
      >
        Refresh
      </button>
    </div>
  );
}
