// Turns captured output into lines as a terminal would have shown them. Colours and
// styles (SGR) are left for the ANSI library to render; what a terminal does with the
// cursor is applied here: `\r` returns to the start of the line so later text overwrites
// (a progress bar ends as its last state), backspace steps back, "erase line" clears.
// Every other control sequence is dropped, never shown raw.
import Anser from "anser";

/** Longest line rendered in full; the rest is summarised so one huge line cannot freeze the page. */
export const MAX_RENDERED_CHARS = 20_000;

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other two-byte escapes, and lone C0/C1 controls.
const ESCAPE =
  /\x1b\[([0-9;?:<=>]*)([ -/]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[P^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]?|[\x00-\x07\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]|\r|\x08/g;

interface Cell {
  ch: string;
  sgr: string;
}

/**
 * Applies one line's cursor movements and returns it with only SGR sequences left.
 * `line` must not contain "\n".
 */
export function applyTerminalEdits(line: string): string {
  // Fast path: nothing but printable text and colours.
  if (!/[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f\r]|\x1b(?!\[[0-9;:]*m)/.test(line)) return line;
  const cells: Cell[] = [];
  let cursor = 0;
  let sgr = "";
  let last = 0;
  const put = (text: string) => {
    for (const ch of text) {
      cells[cursor] = { ch, sgr };
      cursor++;
    }
  };
  ESCAPE.lastIndex = 0;
  for (let match = ESCAPE.exec(line); match; match = ESCAPE.exec(line)) {
    put(line.slice(last, match.index));
    last = ESCAPE.lastIndex;
    const token = match[0];
    if (token === "\r") cursor = 0;
    else if (token === "\b") cursor = Math.max(0, cursor - 1);
    else if (token === "\t") put("\t");
    else if (match[3] === "m" && !match[2]) sgr = match[1] === "" || match[1] === "0" ? "" : sgr + token;
    else if (match[3] === "K") {
      const mode = match[1] || "0";
      if (mode === "0") cells.length = Math.min(cells.length, cursor);
      else if (mode === "1") for (let i = 0; i < Math.min(cursor, cells.length); i++) cells[i] = { ch: " ", sgr: "" };
      else if (mode === "2") cells.length = 0;
    } else if (match[3] === "G") cursor = Math.max(0, Number(match[1] || "1") - 1);
    // Anything else (cursor up/down, screen clears, titles, hyperlinks) is dropped.
  }
  put(line.slice(last));
  let out = "";
  let current = "";
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] ?? { ch: " ", sgr: current };
    if (cell.sgr !== current) {
      // Reset, then replay this cell's styles: correct whatever came before.
      out += `\x1b[0m${cell.sgr}`;
      current = cell.sgr;
    }
    out += cell.ch;
  }
  return out;
}

/** Splits text into lines, dropping the "\r" of "\r\n" endings. */
export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.endsWith("\r")) lines[i] = line.slice(0, -1);
  }
  return lines;
}

export interface Segment {
  text: string;
  fg: string | null;
  bg: string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  strikethrough: boolean;
}

/** A rendered line: styled segments from the ANSI library, plain text for searching. */
export interface RenderedLine {
  segments: Segment[];
  text: string;
  /** Characters left out of a very long line. */
  omitted: number;
}

/**
 * The 16 base colours as the viewer shows them on its near-black background (#09090b, in both
 * themes): each at least 4.5:1 (WCAG AA), where the ANSI library's blue was 1.6:1 and its
 * black invisible. Bold takes the bright one, as terminals' "bright on bold" does. Keys are
 * the library's own values; a 256-colour or true colour is shown as given.
 */
export const BASE_COLOURS: ReadonlyArray<{ ansi: string; ansiBright: string; normal: string; bright: string }> = [
  { ansi: "0, 0, 0", ansiBright: "85, 85, 85", normal: "122, 122, 122", bright: "150, 150, 150" },
  { ansi: "187, 0, 0", ansiBright: "255, 85, 85", normal: "240, 82, 79", bright: "255, 120, 120" },
  { ansi: "0, 187, 0", ansiBright: "0, 255, 0", normal: "78, 201, 100", bright: "120, 235, 140" },
  { ansi: "187, 187, 0", ansiBright: "255, 255, 85", normal: "220, 190, 60", bright: "250, 230, 110" },
  { ansi: "0, 0, 187", ansiBright: "85, 85, 255", normal: "96, 140, 255", bright: "130, 170, 255" },
  { ansi: "187, 0, 187", ansiBright: "255, 85, 255", normal: "214, 112, 214", bright: "240, 140, 240" },
  { ansi: "0, 187, 187", ansiBright: "85, 255, 255", normal: "70, 200, 210", bright: "110, 230, 240" },
  { ansi: "255,255,255", ansiBright: "255, 255, 255", normal: "212, 212, 216", bright: "255, 255, 255" },
];
const READABLE = new Map<string, { normal: string; bright: string }>();
for (const colour of BASE_COLOURS) {
  READABLE.set(colour.ansi, colour);
  READABLE.set(colour.ansiBright, { normal: colour.bright, bright: colour.bright });
}

function readableColour(ansi: string, bold: boolean): string {
  const colour = READABLE.get(ansi);
  return colour ? (bold ? colour.bright : colour.normal) : ansi;
}

export function renderLine(raw: string): RenderedLine {
  const edited = applyTerminalEdits(raw);
  const parts = Anser.ansiToJson(edited, { use_classes: false, remove_empty: true });
  const segments: Segment[] = [];
  let length = 0;
  let omitted = 0;
  for (const part of parts) {
    let text = part.content;
    if (!text) continue;
    if (length >= MAX_RENDERED_CHARS) {
      omitted += text.length;
      continue;
    }
    if (length + text.length > MAX_RENDERED_CHARS) {
      omitted += length + text.length - MAX_RENDERED_CHARS;
      text = text.slice(0, MAX_RENDERED_CHARS - length);
    }
    length += text.length;
    const decorations = part.decorations ?? [];
    segments.push({
      text,
      fg: part.fg ? `rgb(${readableColour(part.fg, decorations.includes("bold"))})` : null,
      bg: part.bg ? `rgb(${part.bg})` : null,
      bold: decorations.includes("bold"),
      dim: decorations.includes("dim"),
      italic: decorations.includes("italic"),
      underline: decorations.includes("underline"),
      strikethrough: decorations.includes("strikethrough"),
    });
  }
  return { segments, text: segments.map((s) => s.text).join(""), omitted };
}

/** A segment's look as inline style properties (React's names), or undefined for plain text: the viewer's and the preview's one rendering. */
export function segmentStyle(segment: Segment): Record<string, string | number> | undefined {
  if (!segment.fg && !segment.bg && !segment.bold && !segment.dim && !segment.italic && !segment.underline && !segment.strikethrough) {
    return undefined;
  }
  const style: Record<string, string | number> = {};
  if (segment.fg) style.color = segment.fg;
  if (segment.bg) style.backgroundColor = segment.bg;
  if (segment.bold) style.fontWeight = 700;
  if (segment.dim) style.opacity = 0.6;
  if (segment.italic) style.fontStyle = "italic";
  const decoration = [segment.underline ? "underline" : "", segment.strikethrough ? "line-through" : ""].join(" ").trim();
  if (decoration) style.textDecoration = decoration;
  return style;
}
