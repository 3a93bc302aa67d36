import "server-only";
import { jsonError, errorResponse } from "../api/respond";
import { isProcessHash } from "../registry/hash";
import type { ProcessRecord } from "../registry/types";
import { getRegistry } from "../server/registry";
import { OutputMissingError } from "./range";
import { SearchesBusyError } from "./scan-slots";

/**
 * The output file of a record: the only way to name a file to read. Nothing from a URL
 * ever becomes a path; an unknown or malformed hash is null without touching the database.
 */
export async function outputOf(hash: string): Promise<{ record: ProcessRecord; file: string | null } | null> {
  if (!isProcessHash(hash)) return null;
  const record = await (await getRegistry()).get(hash);
  return record ? { record, file: record.outputFile } : null;
}

/**
 * Runs an output route's handler with the record's output file, answering 404 for an
 * unknown record, a record without output, or a file that is gone, and mapping errors.
 */
export async function withOutputFile(
  hash: string,
  handler: (file: string, record: ProcessRecord) => Response | Promise<Response>,
): Promise<Response> {
  try {
    const found = await outputOf(hash);
    if (!found) return jsonError(404, "No process record with this hash.");
    if (!found.file) return jsonError(404, "This process has no output file recorded.", { code: "NO_OUTPUT" });
    return await handler(found.file, found.record);
  } catch (error) {
    if (error instanceof OutputMissingError) return jsonError(404, error.message, { code: error.code });
    if (error instanceof SearchesBusyError) {
      return jsonError(429, error.message, { code: "SEARCHES_BUSY" }, { "retry-after": String(error.retryAfterSeconds) });
    }
    return errorResponse(error);
  }
}
