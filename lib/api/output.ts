import "server-only";
import type { ProcessRecord } from "../registry/types";
import { OutputMissingError } from "../output/range";
import { SearchesBusyError } from "../output/scan-slots";
import { processes } from "../processes/server";
import { errorResponse, jsonError } from "./respond";

/**
 * Runs an output route's handler with the record's output file (the door names it: nothing
 * from a URL becomes a path), answering 404 for an unknown record, a record without output,
 * a file that is gone or not a regular file, 429 when searches are busy, and mapping errors.
 */
export async function withOutputFile(
  hash: string,
  handler: (file: string, record: ProcessRecord) => Response | Promise<Response>,
): Promise<Response> {
  try {
    const found = await processes().outputOf(hash);
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
