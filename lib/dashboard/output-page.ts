import "server-only";
import { cache } from "react";
import { isProcessHash } from "../registry/hash";
import { getRegistry } from "../server/registry";
import { OutputMissingError, readRange } from "../output/range";

/** The first screenful sent with the page, so lines show without another round trip. */
export const INITIAL_TAIL_BYTES = 64 * 1024;

export interface InitialTail {
  start: number;
  end: number;
  size: number;
  text: string;
}

export interface OutputPageData {
  hash: string;
  name: string;
  pid: number | null;
  running: boolean;
  outputFile: string | null;
  tail: InitialTail | null;
}

/** The output page's data: one record check (no full process table) and the file's tail. */
export const getOutputPageData = cache(async function getOutputPageData(hash: string): Promise<OutputPageData | null> {
  if (!isProcessHash(hash)) return null;
  const record = await (await getRegistry()).invalidate(hash);
  if (!record) return null;
  let tail: InitialTail | null = null;
  if (record.outputFile) {
    try {
      const range = await readRange(record.outputFile, { length: INITIAL_TAIL_BYTES, alignLines: true });
      tail = { start: range.start, end: range.end, size: range.size, text: new TextDecoder().decode(range.bytes) };
    } catch (error) {
      if (!(error instanceof OutputMissingError)) throw error;
    }
  }
  return {
    hash: record.hash,
    name: record.name,
    pid: record.pid,
    running: record.status !== "stopped",
    outputFile: record.outputFile,
    tail,
  };
});
