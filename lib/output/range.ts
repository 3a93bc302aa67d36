import fs from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { CodedError } from "../errors";

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
  /** The inode and its birth time: a file replaced shows here even where inode numbers are reused. */
  identity: string;
}

export type OutputErrorCode = "OUTPUT_MISSING" | "NOT_A_FILE" | "NO_OUTPUT";

const OUTPUT_MESSAGES: Record<OutputErrorCode, (file: string) => string> = {
  OUTPUT_MISSING: (file) => `The output file ${file} does not exist (deleted, or never written).`,
  NOT_A_FILE: (file) => `The output file ${file} is not a regular file (a device, pipe or folder); only regular files are served.`,
  NO_OUTPUT: () => "This process has no output file recorded.",
};

/** An output that cannot be served: none recorded, gone, or not a regular file. */
export class OutputMissingError extends CodedError<OutputErrorCode> {
  static override readonly brand = "OutputMissingError";
  constructor(
    readonly file: string,
    code: OutputErrorCode = "OUTPUT_MISSING",
  ) {
    super(code, OUTPUT_MESSAGES[code](file));
  }
}

export interface OpenOutput {
  handle: FileHandle;
  size: number;
  inode: number;
  /** The open file's own stat (identity, birth time), so callers need not ask again. */
  stat: fs.Stats;
}

/**
 * Opens an output file for reading, off the event loop. Only regular files: a FIFO would
 * block the open until a writer comes and `/dev/zero` never ends, so both are refused
 * (looked at before opening, and opened non-blocking in case it changed meanwhile).
 */
export async function openOutput(file: string): Promise<OpenOutput> {
  const refuse = (error: unknown): never => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new OutputMissingError(file);
    throw error;
  };
  const before = await fs.promises.stat(file).catch(refuse);
  if (!before.isFile()) throw new OutputMissingError(file, "NOT_A_FILE");
  const handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK).catch(refuse);
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw new OutputMissingError(file, "NOT_A_FILE");
  }
  return { handle, size: stat.size, inode: stat.ino, stat };
}

/** Reads up to `length` bytes at `position` (fewer at the end of the file). */
export async function readAt(handle: FileHandle, position: number, length: number, into?: Buffer): Promise<Buffer> {
  const buffer = into && into.length >= length ? into : Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await handle.read(buffer, read, length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return buffer.subarray(0, read);
}

/**
 * Reads `length` bytes at `offset`; without an offset, the last `length` bytes (the tail
 * first). With `alignLines`, a range that starts inside a line drops that partial line, so
 * every chunk starts on a line (and so a character) boundary; the returned start says
 * where the bytes really begin.
 */
export async function readRange(
  file: string,
  options: { offset?: number; length?: number; alignLines?: boolean } = {},
): Promise<ByteRange> {
  const { handle, size, inode, stat } = await openOutput(file);
  try {
    const length = Math.max(0, Math.min(options.length ?? DEFAULT_RANGE_BYTES, MAX_RANGE_BYTES));
    let start = options.offset === undefined ? Math.max(0, size - length) : Math.min(Math.max(0, options.offset), size);
    const end = Math.min(size, start + length);
    let bytes = await readAt(handle, start, end - start);
    if (options.alignLines && start > 0 && bytes.length > 0) {
      const previous = (await readAt(handle, start - 1, 1))[0];
      if (previous !== 0x0a) {
        const newline = bytes.indexOf(0x0a);
        // One line longer than the whole range: keep it rather than return nothing.
        if (newline >= 0 && newline < bytes.length - 1) {
          bytes = bytes.subarray(newline + 1);
          start += newline + 1;
        }
      }
    }
    return { start, end: start + bytes.length, size, bytes, inode, identity: `${inode}:${stat.birthtimeMs}` };
  } finally {
    await handle.close();
  }
}
