// The lines that say why a program failed, looked for in the last lines of its output (SPEC
// "The end record"): the built-in ones, and a studio's own from PROCESS_MONITOR_END_PATTERNS (a
// JSON file, or the JSON itself: [{ "name": "...", "pattern": "regular expression", "flags": "i" }]),
// tried first. The studio's policy: every settler of an end applies the same (a launch hands it
// to its keeper, endPatternsSetting).
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { z } from "zod";
import { renderLine, splitLines } from "../output/terminal";
import { summariseOutput } from "../output/tail";

export interface EndPattern {
  name: string;
  test: (line: string) => boolean;
  /** A studio's pattern as written: run on a worker with a deadline when an end is settled (matchEndBounded). */
  source?: { pattern: string; flags?: string };
}

/** A final Python traceback: the line naming the exception, after "Traceback (most recent call last):". */
export const PYTHON_TRACEBACK = "Python traceback";

const BUILT_IN: Array<{ name: string; pattern: RegExp }> = [
  {
    name: "Licence failure",
    pattern:
      /FLEXnet Licensing error|FLEXlm|lmgrd|Unable to obtain a licen[cs]e|licen[cs]e checkout failed|No licen[cs]e (?:available|found)|RLM (?:error|license)|\brlm\b.*licen[cs]e|Could not (?:get|obtain|check out) (?:a )?licen[cs]e/i,
  },
  {
    name: "GPU out of memory",
    pattern:
      /CUDA(?:_ERROR)?[^\n]*out of memory|cudaErrorMemoryAllocation|OptiX[^\n]*(?:out of memory|OUT_OF_MEMORY)|out of GPU memory|GPU (?:ran )?out of memory/i,
  },
  { name: "Segmentation fault", pattern: /Segmentation fault|\bSIGSEGV\b|segfault/i },
];

const studioFile = z.array(
  z.object({
    name: z.string().min(1).max(80),
    pattern: z.string().min(1).max(1000),
    flags: z
      .string()
      .regex(/^[imsu]*$/)
      .optional(),
  }),
);

let loaded: { file: string | undefined; patterns: EndPattern[] } | null = null;

/** PROCESS_MONITOR_END_PATTERNS holds the patterns themselves when it is a JSON list, else names their file. */
const isInline = (setting: string) => setting.trimStart().startsWith("[");

/**
 * The setting as a process started elsewhere can use it (the keeper's call to settle an end,
 * which runs in the program's working directory): a file's path made absolute; "" for none.
 */
export function endPatternsSetting(setting = process.env.PROCESS_MONITOR_END_PATTERNS): string {
  if (!setting?.trim()) return "";
  return isInline(setting) ? setting : path.resolve(setting);
}

/** The studio's patterns, then the built-in ones. A file that cannot be read or is not valid is said once and left out. */
export function endPatterns(file = process.env.PROCESS_MONITOR_END_PATTERNS): EndPattern[] {
  if (loaded && loaded.file === file) return loaded.patterns;
  const own: EndPattern[] = [];
  if (file?.trim()) {
    try {
      const text = isInline(file) ? file : fs.readFileSync(file, "utf8");
      for (const entry of studioFile.parse(JSON.parse(text))) {
        const pattern = new RegExp(entry.pattern, entry.flags);
        own.push({ name: entry.name, test: (line) => pattern.test(line), source: { pattern: entry.pattern, flags: entry.flags } });
      }
    } catch (error) {
      console.warn(`process-monitor: PROCESS_MONITOR_END_PATTERNS ${file} left out: ${(error as Error).message}`);
    }
  }
  const patterns = [...own, ...BUILT_IN.map(({ name, pattern }) => ({ name, test: (line: string) => pattern.test(line) }))];
  loaded = { file, patterns };
  return patterns;
}

/** How many of the last lines are looked at. */
const LAST_LINES = 40;

/** How much of a line the patterns are tried on: a built-in one took 0.5 s on a line of 64 KiB. */
export const TESTED_LINE_CHARS = 2_000;

type Matched = { pattern: string; line: string } | null;

/** The last lines as a terminal showed them (colours gone, `\r` applied), blank ones left out, each cut to what is tested. */
function shownLines(lastLines: string[]): string[] {
  return lastLines
    .flatMap(splitLines)
    .map((raw) => renderLine(raw).text.trim())
    .filter((l) => l !== "")
    .slice(-LAST_LINES)
    .map((l) => l.slice(0, TESTED_LINE_CHARS));
}

/** The first pattern (in order) found in the lines, with the last line it matched; else a final Python traceback. */
function decide(lines: string[], patterns: EndPattern[]): Matched {
  for (const pattern of patterns) {
    for (let i = lines.length - 1; i >= 0; i -= 1)
      if (pattern.test(lines[i]!)) return { pattern: pattern.name, line: lines[i]!.slice(0, 500) };
  }
  const traceback = lines.findLastIndex((l) => l.startsWith("Traceback (most recent call last):"));
  const last = lines.at(-1);
  if (traceback >= 0 && last && /^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)\b/.test(last)) {
    return { pattern: PYTHON_TRACEBACK, line: last.slice(0, 500) };
  }
  return null;
}

/**
 * The first pattern (in order) found in the last lines, as a terminal showed them (colours gone,
 * `\r` applied), with the last line it matched; else a Python traceback that is the last thing printed.
 */
export function matchEnd(lastLines: string[], patterns = endPatterns()): Matched {
  return decide(shownLines(lastLines), patterns);
}

/** How long a studio's patterns may take on one end before the one running is skipped. */
export const STUDIO_PATTERN_DEADLINE_MS = 1_000;

/** Studio patterns that ran past the deadline once: skipped for as long as this process runs. */
const stalled = new Set<string>();

/** Runs in the worker (plain CommonJS: `eval`'d, so the bundler leaves it alone). */
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { patterns, lines } = workerData;
let found = null;
search: for (let k = 0; k < patterns.length; k += 1) {
  parentPort.postMessage({ trying: k });
  const re = new RegExp(patterns[k].pattern, patterns[k].flags);
  for (let i = lines.length - 1; i >= 0; i -= 1) if (re.test(lines[i])) { found = { k, i }; break search; }
}
parentPort.postMessage({ found });
`;

type StudioRun = { found: { k: number; i: number } | null } | { stalledAt: number };

/** A worker that has not begun this long after it was made (a machine far too busy) is given up, its patterns not blamed. */
const WORKER_START_MS = 15_000;

/**
 * The studio's patterns tried on a worker, ended at the deadline: a catastrophic one (`^(a+)+$`)
 * stalls it, never the settler. The deadline counts from the worker's first pattern, not from its
 * making: a thread's start on a loaded machine took over a second and had a sound pattern skipped.
 */
function studioRun(patterns: EndPattern[], lines: string[], deadlineMs: number): Promise<StudioRun> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { patterns: patterns.map((p) => p.source), lines } });
    let trying = 0;
    const end = (result: StudioRun) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    let timer = setTimeout(() => end({ found: null }), WORKER_START_MS);
    worker.on("message", (message: { trying?: number; found?: { k: number; i: number } | null }) => {
      if (message.trying === 0) {
        clearTimeout(timer);
        timer = setTimeout(() => end({ stalledAt: trying }), deadlineMs);
      }
      if (message.trying !== undefined) trying = message.trying;
      if (message.found !== undefined) end({ found: message.found });
    });
    worker.on("error", () => end({ found: null }));
  });
}

/**
 * As matchEnd, with the studio's patterns bounded in time: one that runs past `deadlineMs` is
 * said once and skipped from then on, and the rest are tried again without it.
 */
export async function matchEndBounded(
  lastLines: string[],
  patterns = endPatterns(),
  deadlineMs = STUDIO_PATTERN_DEADLINE_MS,
): Promise<Matched> {
  const lines = shownLines(lastLines);
  let studio = patterns.filter((p) => p.source && !stalled.has(p.name));
  while (studio.length > 0 && lines.length > 0) {
    const run = await studioRun(studio, lines, deadlineMs);
    if ("found" in run) {
      if (run.found) return { pattern: studio[run.found.k]!.name, line: lines[run.found.i]!.slice(0, 500) };
      break;
    }
    const slow = studio[run.stalledAt]!;
    stalled.add(slow.name);
    console.warn(
      `process-monitor: end pattern "${slow.name}" took over ${deadlineMs} ms on one end; it is skipped from now on (PROCESS_MONITOR_END_PATTERNS)`,
    );
    studio = studio.slice(run.stalledAt + 1);
  }
  return decide(
    lines,
    patterns.filter((p) => !p.source),
  );
}

/** The end pattern found in an output file's last lines (its last 64 KiB). */
export async function matchOutputEnd(file: string | null): Promise<Matched> {
  const { lastLines } = await summariseOutput(file, LAST_LINES, 64 * 1024);
  return matchEndBounded(lastLines);
}
