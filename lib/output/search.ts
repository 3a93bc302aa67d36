import fs from "node:fs";
import { openOutput } from "./range";

const CHUNK = 1024 * 1024;

export interface SearchHit {
  /** Byte offset of the start of the line holding the match. */
  lineStart: number;
  /** Byte offset of the match itself. */
  offset: number;
}

function needleOf(query: string): Buffer {
  return Buffer.from(query.toLowerCase(), "utf8");
}

function lowerAscii(buffer: Buffer): Buffer {
  const out = Buffer.from(buffer);
  for (let i = 0; i < out.length; i++) {
    const c = out[i]!;
    if (c >= 0x41 && c <= 0x5a) out[i] = c + 32;
  }
  return out;
}

/**
 * The next (or previous) match of `query` after (before) byte `from`, scanning the file in
 * 1 MiB chunks: memory stays flat whatever the file's size. Case-insensitive for ASCII.
 * The raw bytes are searched, so a coloured word still matches (its escape codes sit
 * around it, not inside it).
 * Returns null when there is none, or when `deadline` (ms since the epoch) passes.
 */
export function findMatch(
  file: string,
  query: string,
  from: number,
  direction: "next" | "prev",
  deadline = Date.now() + 10_000,
): SearchHit | null | "timeout" {
  if (!query) return null;
  const needle = needleOf(query);
  const { fd, size } = openOutput(file);
  const overlap = needle.length - 1;
  const buffer = Buffer.alloc(CHUNK + overlap);
  try {
    if (direction === "next") {
      let position = Math.max(0, from);
      while (position < size) {
        if (Date.now() > deadline) return "timeout";
        const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - position), position);
        if (n === 0) break;
        const chunk = lowerAscii(buffer.subarray(0, n));
        const at = chunk.indexOf(needle);
        if (at >= 0) return hit(fd, position + at);
        if (position + n >= size) break;
        position += n - overlap;
      }
      return null;
    }
    let end = Math.min(size, Math.max(0, from));
    while (end > 0) {
      if (Date.now() > deadline) return "timeout";
      const start = Math.max(0, end - CHUNK);
      const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - start, end - start + overlap), start);
      const chunk = lowerAscii(buffer.subarray(0, n));
      let at = chunk.lastIndexOf(needle);
      while (at >= 0 && start + at >= end) at = at > 0 ? chunk.lastIndexOf(needle, at - 1) : -1;
      if (at >= 0) return hit(fd, start + at);
      end = start;
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

function hit(fd: number, offset: number): SearchHit {
  // Walk back to the line start, at most 1 MiB (a longer line starts "there").
  const back = Math.min(offset, CHUNK);
  const buffer = Buffer.alloc(back);
  fs.readSync(fd, buffer, 0, back, offset - back);
  const newline = buffer.lastIndexOf(0x0a);
  return { offset, lineStart: newline >= 0 ? offset - back + newline + 1 : offset - back };
}

/** How many matches the whole file holds; `complete` is false when the deadline cut it short. */
export function countMatches(file: string, query: string, deadline = Date.now() + 5_000): { count: number; complete: boolean } {
  if (!query) return { count: 0, complete: true };
  const needle = needleOf(query);
  const { fd, size } = openOutput(file);
  const overlap = needle.length - 1;
  const buffer = Buffer.alloc(CHUNK + overlap);
  let count = 0;
  try {
    let position = 0;
    while (position < size) {
      if (Date.now() > deadline) return { count, complete: false };
      const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - position), position);
      if (n === 0) break;
      const chunk = lowerAscii(buffer.subarray(0, n));
      // Only matches starting in this chunk's own part count; the overlap belongs to the next.
      const own = position + n >= size ? n : n - overlap;
      let at = chunk.indexOf(needle);
      while (at >= 0 && at < own) {
        count++;
        at = chunk.indexOf(needle, at + needle.length);
      }
      if (position + n >= size) break;
      position += own;
    }
    return { count, complete: true };
  } finally {
    fs.closeSync(fd);
  }
}
