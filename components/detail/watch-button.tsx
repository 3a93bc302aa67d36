"use client";

import { useEffect, useState } from "react";
import { addWatched, readWatched, removeWatched, WATCHED_EVENT } from "@/lib/browser/watched-records";

/**
 * "Notify me when it ends": asks for the browser's permission to notify, then lists the record
 * among the watched ones (lib/browser/watched-records.ts); any open tab of the dashboard tells when it ends.
 */
export function WatchButton({ page, record, name }: { page: string; record: string; name: string }) {
  const [watching, setWatching] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const update = () => setWatching(readWatched().some((w) => w.page === page));
    update();
    window.addEventListener(WATCHED_EVENT, update);
    window.addEventListener("storage", update);
    return () => {
      window.removeEventListener(WATCHED_EVENT, update);
      window.removeEventListener("storage", update);
    };
  }, [page]);

  const toggle = async () => {
    setProblem(null);
    if (watching) return removeWatched(page);
    if (!("Notification" in window)) return setProblem("This browser cannot show notifications.");
    const permission = Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
    if (permission !== "granted") {
      return setProblem("Notifications are blocked for this site: allow them in the browser's site settings, then try again.");
    }
    addWatched({ page, record, name });
  };

  return (
    <div className="flex flex-col items-end gap-1">
      <button
        type="button"
        onClick={() => void toggle()}
        aria-pressed={watching}
        title={watching ? "Click to stop watching it" : "A browser notification when it ends, while a tab of the dashboard is open"}
        data-testid="watch-record"
        className={`rounded-md border px-3 py-1.5 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 ${
          watching
            ? "border-indigo-300 bg-indigo-50 text-indigo-800 hover:bg-indigo-100 dark:border-indigo-500/50 dark:bg-indigo-500/15 dark:text-indigo-200"
            : "border-zinc-300 hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800"
        }`}
      >
        {watching ? "Will notify when it ends" : "Notify me when it ends"}
      </button>
      {problem && (
        <p role="alert" className="max-w-xs text-right text-xs text-amber-800 dark:text-amber-300">
          {problem}
        </p>
      )}
    </div>
  );
}
