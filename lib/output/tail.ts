import fs from "node:fs";

export interface OutputSummary {
  exists: boolean;
  size: number;
  lastLines: string[];
}

/** Size and last lines of an output file, reading only its end. */
export function summariseOutput(file: string | null, lines = 8, maxBytes = 16 * 1024): OutputSummary {
  if (!file) return { exists: false, size: 0, lastLines: [] };
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, "r");
    const { size } = fs.fstatSync(fd);
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString("utf8");
    const all = text.split("\n");
    if (all.at(-1) === "") all.pop();
    if (length < size) all.shift();
    return { exists: true, size, lastLines: all.slice(-lines) };
  } catch {
    return { exists: false, size: 0, lastLines: [] };
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

export function outputSize(file: string | null): number | null {
  if (!file) return null;
  try {
    return fs.statSync(file).size;
  } catch {
    return null;
  }
}
