import { LaunchError } from "../launcher/errors";
import { internalFailure, knownFailure } from "../failure";
import { RegistryError } from "../registry/errors";

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

/**
 * Maps our errors to statuses. Anything unexpected is a 500 that names no internals (a driver's
 * message can hold SQL, hosts and stack frames): a reference to the line in the server's log.
 */
export function errorResponse(error: unknown): Response {
  if (error instanceof Error && error.name === "ValidationError" && "fields" in error) {
    return jsonError(400, error.message, { fields: (error as Error & { fields: unknown }).fields });
  }
  if (error instanceof LaunchError) {
    const status = error.code === "NOT_FOUND" ? 404 : error.code === "REFUSED" ? 409 : error.code === "PERMISSION" ? 403 : 400;
    return jsonError(status, error.message, { code: error.code, ...(error.field ? { field: error.field } : {}) });
  }
  const failure = knownFailure(error);
  if (failure)
    return jsonError(failure.status, error instanceof RegistryError && failure.code === "BUSY" ? error.message : failure.message, {
      code: failure.code,
    });
  if (error instanceof RegistryError && error.code !== "UNREADABLE") {
    const status = error.code === "MISSING_PID" || error.code === "INVALID" ? 400 : error.code === "NOT_FOUND" ? 404 : 500;
    return jsonError(status, error.message, { code: error.code });
  }
  const { ref, message } = internalFailure(error);
  return jsonError(500, message, { code: "INTERNAL", ref });
}
