import "server-only";
import { isProcessHash } from "../registry/hash";
import type { ProcessRecord } from "../registry/types";
import { getRegistry } from "../server/registry";

/**
 * The output file of a record: the only way to name a file to read. Nothing from a URL
 * ever becomes a path; an unknown or malformed hash is null without touching the database.
 */
export async function outputOf(hash: string): Promise<{ record: ProcessRecord; file: string | null } | null> {
  if (!isProcessHash(hash)) return null;
  const record = await (await getRegistry()).get(hash);
  return record ? { record, file: record.outputFile } : null;
}
