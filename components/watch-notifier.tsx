"use client";

import { useEffect } from "react";
import { endOf, readWatched, removeWatched, type Watched } from "@/lib/browser/watched-records";

const POLL_MS = 3_000;

/** One watched record asked once: a notification, and off the list, when it ended or is gone. */
async function check(watched: Watched): Promise<void> {
  const response = await fetch(watched.record, { cache: "no-store" });
  let said: string | null = null;
  if (response.status === 404) said = "Its record was deleted.";
  else if (response.ok) said = endOf((await response.json()) as Parameters<typeof endOf>[0]);
  if (said === null) return;
  // Off the list first: another tab that polls next finds nothing to tell again.
  removeWatched(watched.page);
  if (Notification.permission !== "granted") return;
  // The tag makes one notification of a record even should two tabs tell it.
  const notification = new Notification(`${watched.name} ended`, { body: said, tag: watched.page });
  notification.onclick = () => {
    window.focus();
    window.location.assign(watched.page);
  };
}

/**
 * In every page of a signed-in dashboard: while any tab is open, the watched records are asked
 * after every few seconds by one tab at a time (a Web Lock), and each that ended is told once.
 */
export function WatchNotifier() {
  useEffect(() => {
    if (!("Notification" in window)) return;
    let busy = false;
    const round = async () => {
      const list = readWatched();
      if (list.length === 0) return;
      for (const watched of list) await check(watched).catch(() => undefined);
    };
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const done = () => (busy = false);
      // Without Web Locks (older browsers) every tab asks: the tag still makes one notification.
      if (!navigator.locks) return void round().finally(done);
      void navigator.locks
        .request("process-monitor:watched", { ifAvailable: true }, async (lock) => {
          if (lock) await round();
        })
        .catch(() => undefined)
        .finally(done);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, []);
  return null;
}
