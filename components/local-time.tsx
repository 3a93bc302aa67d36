"use client";

import { relativeTime } from "@/lib/format";
import { isTime } from "@/lib/time";
import { useNow } from "./use-now";

function exact(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "short",
  });
}

/**
 * A time in the browser's time zone. The server does not know that zone, so the first
 * render shows UTC and the browser replaces it after hydration.
 */
export function LocalTime({ seconds, mode = "relative" }: { seconds: number | null; mode?: "relative" | "exact" }) {
  const now = useNow();
  if (seconds === null) return <span className="text-zinc-400">–</span>;
  if (!isTime(seconds)) {
    return (
      <span className="text-zinc-500" title={`${String(seconds).slice(0, 24)} is not a time`}>
        unknown
      </span>
    );
  }
  const iso = new Date(seconds * 1000).toISOString();
  if (now === null) {
    return <time dateTime={iso}>{iso.replace("T", " ").replace(/\.\d+Z$/, " UTC")}</time>;
  }
  return (
    <time dateTime={iso} title={exact(seconds)}>
      {mode === "relative" ? relativeTime(seconds, now) : exact(seconds)}
    </time>
  );
}
