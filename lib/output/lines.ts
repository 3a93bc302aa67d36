import { openOutput, readAt } from "./range";
import { shared } from "../config/shared";

const CHUNK = 1024 * 1024;

interface LineIndex {
  inode: number;
  /** Byte offset -> number of newlines before it, at 1 MiB steps, as far as counted. */
  checkpoints: number[];
}

const indexes = shared("line-indexes", () => new Map<string, LineIndex>());

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
 * file in 1 MiB steps read off the event loop and remembered (an append-only log only ever
 * extends the index), so numbering lines near the end of a large file is paid for once.
 */
export async function lineNumberAt(file: string, offset: number): Promise<number> {
  const { handle, inode, size } = await openOutput(file);
  try {
    const target = Math.min(Math.max(0, offset), size);
    let index = indexes.get(file);
    if (!index || index.inode !== inode) {
      index = { inode, checkpoints: [0] };
      indexes.set(file, index);
      if (indexes.size > 64) indexes.delete(indexes.keys().next().value!);
    }
    const buffer = Buffer.alloc(CHUNK);
    // Extend checkpoints up to the chunk containing the target. Another request may extend
    // the same index meanwhile: a step is added only where it was counted.
    while ((index.checkpoints.length - 1) * CHUNK + CHUNK <= target) {
      const step = index.checkpoints.length - 1;
      const chunk = await readAt(handle, step * CHUNK, CHUNK, buffer);
      if (chunk.length < CHUNK) break;
      if (index.checkpoints.length - 1 === step) index.checkpoints.push(index.checkpoints[step]! + countNewlines(chunk));
    }
    const base = Math.min(Math.floor(target / CHUNK), index.checkpoints.length - 1);
    let count = index.checkpoints[base]!;
    let position = base * CHUNK;
    while (position < target) {
      const chunk = await readAt(handle, position, Math.min(CHUNK, target - position), buffer);
      if (chunk.length === 0) break;
      count += countNewlines(chunk);
      position += chunk.length;
    }
    return count + 1;
  } finally {
    await handle.close();
  }
}
