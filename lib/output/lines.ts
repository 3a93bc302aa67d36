import fs from "node:fs";
import { openOutput } from "./range";

const CHUNK = 1024 * 1024;

interface LineIndex {
  inode: number;
  /** Byte offset -> number of newlines before it, at 1 MiB steps, as far as counted. */
  checkpoints: number[];
}

const globalCache = globalThis as unknown as { __pmLineIndex?: Map<string, LineIndex> };
const indexes = (globalCache.__pmLineIndex ??= new Map());

function countNewlines(buffer: Buffer): number {
  let count = 0;
  let at = buffer.indexOf(0x0a);
  while (at !== -1) {
    count++;
    at = buffer.indexOf(0x0a, at + 1);
  }
  return count;
}

/**
 * The 1-based line number of the line starting at `offset`. Newlines are counted once per
 * file in 1 MiB steps and remembered (an append-only log only ever extends the index), so
 * numbering lines near the end of a large file is paid for once.
 */
export function lineNumberAt(file: string, offset: number): number {
  const { fd, inode, size } = openOutput(file);
  try {
    const target = Math.min(Math.max(0, offset), size);
    let index = indexes.get(file);
    if (!index || index.inode !== inode) {
      index = { inode, checkpoints: [0] };
      indexes.set(file, index);
      if (indexes.size > 64) indexes.delete(indexes.keys().next().value!);
    }
    const buffer = Buffer.alloc(CHUNK);
    // Extend checkpoints up to the chunk containing the target.
    while ((index.checkpoints.length - 1) * CHUNK + CHUNK <= target) {
      const position = (index.checkpoints.length - 1) * CHUNK;
      const n = fs.readSync(fd, buffer, 0, CHUNK, position);
      if (n < CHUNK) break;
      index.checkpoints.push(index.checkpoints.at(-1)! + countNewlines(buffer));
    }
    const base = Math.min(Math.floor(target / CHUNK), index.checkpoints.length - 1);
    let count = index.checkpoints[base]!;
    let position = base * CHUNK;
    while (position < target) {
      const n = fs.readSync(fd, buffer, 0, Math.min(CHUNK, target - position), position);
      if (n === 0) break;
      count += countNewlines(buffer.subarray(0, n));
      position += n;
    }
    return count + 1;
  } finally {
    fs.closeSync(fd);
  }
}
