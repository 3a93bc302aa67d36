import fs from "node:fs";
import { openOutput, readAt } from "./range";

export interface OutputSummary {
  exists: boolean;
  size: number;
  lastLines: string[];
}

/** Size and last lines of an output file, reading only its end. */
export async function summariseOutput(file: string | null, lines = 8, maxBytes = 16 * 1024): Promise<OutputSummary> {
  if (!file) return { exists: false, size: 0, lastLines: [] };
  let opened;
  try {
    opened = await openOutput(file);
  } catch {
    return { exists: false, size: 0, lastLines: [] };
  }
  try {
    const { handle, size } = opened;
    const length = Math.min(size, maxBytes);
    const text = (await readAt(handle, size - length, length)).toString("utf8");
    const all = text.split("\n");
    if (all.at(-1) === "") all.pop();
    if (length < size) all.shift();
    return { exists: true, size, lastLines: all.slice(-lines) };
  } catch {
    return { exists: false, size: 0, lastLines: [] };
  } finally {
    await opened.handle.close();
  }
}

/** The size of an output file, or null when there is none (a stat: cheap enough for every listed row). */
export function outputSize(file: string | null): number | null {
  if (!file) return null;
  try {
    return fs.statSync(file).size;
  } catch {
    return null;
  }
}

/** Terminal control sequences (colours, cursor moves), which a plain-text reader shows as noise. */
export const ANSI_SEQUENCE = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** The last lines of an output file as an alert carries them: at most 20, plain text, 4 KiB each. */
export async function alertLines(file: string | null): Promise<string[]> {
  const { lastLines } = await summariseOutput(file, 20, 64 * 1024);
  return lastLines.map((line) => line.replace(ANSI_SEQUENCE, "").slice(0, 4096));
}
