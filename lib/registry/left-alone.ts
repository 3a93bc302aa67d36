import type { LeftAlone } from "./types";

/** One sentence for messages: which output files a delete left alone, and why. */
export function describeLeftAlone(files: LeftAlone[]): string {
  if (files.length === 0) return "";
  const shown = files
    .slice(0, 3)
    .map((f) => `${f.file} (${f.reason})`)
    .join(", ");
  const more = files.length > 3 ? ` and ${files.length - 3} more` : "";
  return ` Left ${files.length === 1 ? "1 output file" : `${files.length} output files`} alone: ${shown}${more}.`;
}
