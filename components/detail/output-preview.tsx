import { renderLine, segmentStyle } from "@/lib/output/terminal";

/**
 * The last lines of a record's output as the viewer shows them: the same terminal rendering
 * (colours kept, `\r` applied so a progress bar reads as its last state, other controls dropped).
 */
export function OutputPreview({ lines }: { lines: string[] }) {
  return (
    <pre
      tabIndex={0}
      aria-label="Last lines of the output"
      className="max-h-44 overflow-auto rounded bg-zinc-950 p-2 text-xs leading-relaxed text-zinc-100"
      data-testid="output-tail"
    >
      {lines.length === 0
        ? "(empty so far)"
        : lines.map((raw, i) => {
            const { segments } = renderLine(raw);
            return (
              <div key={i}>
                {segments.map((segment, k) => (
                  <span key={k} style={segmentStyle(segment)}>
                    {segment.text}
                  </span>
                ))}
                {segments.length === 0 && "\u200b"}
              </div>
            );
          })}
    </pre>
  );
}
