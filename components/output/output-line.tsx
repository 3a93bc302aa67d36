"use client";

import { memo, useMemo } from "react";
import { renderLine, segmentStyle } from "@/lib/output/terminal";

/** Splits a segment's text around matches of `needle` (case-insensitive) into marks. */
function highlight(text: string, needle: string, current: boolean): React.ReactNode {
  if (!needle) return text;
  const lower = text.toLowerCase();
  const parts: React.ReactNode[] = [];
  let from = 0;
  for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + needle.length)) {
    if (at > from) parts.push(text.slice(from, at));
    parts.push(
      <mark key={at} className={current ? "rounded-sm bg-orange-400 text-black" : "rounded-sm bg-yellow-300/80 text-black"}>
        {text.slice(at, at + needle.length)}
      </mark>,
    );
    from = at + needle.length;
  }
  if (parts.length === 0) return text;
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}

export const OutputLine = memo(function OutputLine({
  raw,
  number,
  needle,
  current,
  wrap,
}: {
  raw: string;
  number: number | null;
  needle: string;
  current: boolean;
  wrap: boolean;
}) {
  const rendered = useMemo(() => renderLine(raw), [raw]);
  return (
    <div className={`flex min-w-0 ${current ? "bg-orange-500/15" : ""}`} data-row data-line={number ?? undefined}>
      <span className="w-20 shrink-0 select-none pr-3 text-right text-zinc-400 tabular-nums" aria-hidden>
        {number ?? "·"}
      </span>
      <span className={`min-w-0 flex-1 ${wrap ? "whitespace-pre-wrap break-all" : "whitespace-pre"}`}>
        {rendered.segments.map((segment, i) => (
          <span key={i} style={segmentStyle(segment)}>
            {highlight(segment.text, needle, current)}
          </span>
        ))}
        {rendered.omitted > 0 && (
          <span className="ml-2 rounded bg-zinc-700 px-1 text-xs text-zinc-300">
            … {rendered.omitted.toLocaleString()} more characters (download to see all)
          </span>
        )}
        {rendered.segments.length === 0 && "\u200b"}
      </span>
    </div>
  );
});
