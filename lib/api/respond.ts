import { LaunchError } from "../launcher/errors";
import { RegistryError, isBusyError } from "../registry/errors";

/** A JSON error body `{ "error": "..." }` with a fitting status. */
export function jsonError(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return Response.json({ error: message, ...extra }, { status, headers: { "cache-control": "no-store", ...headers } });
}

export function jsonOk(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

/** Maps our errors to statuses; anything unexpected is a 500 with its message. */
export function errorResponse(error: unknown): Response {
  if (error instanceof Error && error.name === "ValidationError" && "fields" in error) {
    return jsonError(400, error.message, { fields: (error as Error & { fields: unknown }).fields });
  }
  if (error instanceof LaunchError) {
    const status = error.code === "NOT_FOUND" ? 404 : error.code === "REFUSED" ? 409 : error.code === "PERMISSION" ? 403 : 400;
    return jsonError(status, error.message, { code: error.code, ...(error.field ? { field: error.field } : {}) });
  }
  if (error instanceof RegistryError) {
    const status = error.code === "MISSING_PID" || error.code === "INVALID" ? 400 : error.code === "BUSY" ? 503 : 500;
    return jsonError(status, error.message, { code: error.code });
  }
  if (isBusyError(error)) return jsonError(503, "The registry is locked by another program; try again in a moment.", { code: "BUSY" });
  return jsonError(500, `Unexpected error: ${(error as Error)?.message ?? String(error)}`);
}
