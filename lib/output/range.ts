import fs from "node:fs";

/** The most one range request returns, so a request never costs more than this in memory. */
export const MAX_RANGE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_RANGE_BYTES = 256 * 1024;

export interface ByteRange {
  /** Offset of the first byte returned. */
  start: number;
  /** Offset just past the last byte returned. */
  end: number;
  /** File size when read. */
  size: number;
  bytes: Buffer;
  /** Identity of the file, so a reader notices when it was replaced. */
  inode: number;
}

export class OutputMissingError extends Error {
  constructor(readonly file: string) {
    super(`The output file ${file} does not exist (deleted, or never written).`);
  }
}

export function openOutput(file: string): { fd: number; size: number; inode: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new OutputMissingError(file);
    throw error;
  }
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) {
    fs.closeSync(fd);
    throw new OutputMissingError(file);
  }
  return { fd, size: stat.size, inode: stat.ino };
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const n = fs.readSync(fd, buffer, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return read === length ? buffer : buffer.subarray(0, read);
}

/**
 * Reads `length` bytes at `offset`; without an offset, the last `length` bytes (the tail
 * first). With `alignLines`, a range that starts inside a line drops that partial line, so
 * every chunk starts on a line (and so a character) boundary; the returned start says
 * where the bytes really begin.
 */
export function readRange(file: string, options: { offset?: number; length?: number; alignLines?: boolean } = {}): ByteRange {
  const { fd, size, inode } = openOutput(file);
  try {
    const length = Math.max(0, Math.min(options.length ?? DEFAULT_RANGE_BYTES, MAX_RANGE_BYTES));
    let start = options.offset === undefined ? Math.max(0, size - length) : Math.min(Math.max(0, options.offset), size);
    const end = Math.min(size, start + length);
    let bytes = readAt(fd, start, end - start);
    if (options.alignLines && start > 0 && bytes.length > 0) {
      const previous = readAt(fd, start - 1, 1)[0];
      if (previous !== 0x0a) {
        const newline = bytes.indexOf(0x0a);
        // One line longer than the whole range: keep it rather than return nothing.
        if (newline >= 0 && newline < bytes.length - 1) {
          bytes = bytes.subarray(newline + 1);
          start += newline + 1;
        }
      }
    }
    return { start, end: start + bytes.length, size, bytes, inode };
  } finally {
    fs.closeSync(fd);
  }
}
