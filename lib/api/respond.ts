import { CodedError } from "../errors";
import type { LaunchErrorCode } from "../launcher/errors";
import { internalFailure, knownFailure, type FailureCode } from "../failure";
import { instruments } from "../metrics/instruments";
import type { FleetErrorCode } from "../fleet/hub/errors";
import type { OutputErrorCode } from "../output/range";
import { RegistryError, type RegistryErrorCode } from "../registry/errors";

/** Codes the adapters answer with themselves (a wrong credential, a report from a newer agent). */
type AdapterCode = "WRONG_KEY" | "TOO_MANY" | "PROTOCOL" | "INTERNAL";

export type ErrorCode =
  LaunchErrorCode | RegistryErrorCode | FailureCode | FleetErrorCode | OutputErrorCode | "SEARCHES_BUSY" | AdapterCode;

/**
 * Every code an error of ours carries, and the status it answers with: the one table, for the
 * workstation's errors, the hub's, and the codes an agent's answers carry. The compiler sees
 * that every code of every error has its status.
 */
export const STATUS_OF = {
  INVALID: 400,
  MISSING_PID: 400,
  EXECUTABLE_NOT_FOUND: 400,
  NOT_EXECUTABLE: 400,
  IS_DIRECTORY: 400,
  CWD_NOT_FOUND: 400,
  SPAWN_FAILED: 400,
  PROTOCOL: 400,
  UNKNOWN_HOST: 401,
  WRONG_KEY: 401,
  PERMISSION: 403,
  PENDING: 403,
  REVOKED: 403,
  LAUNCH_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  NO_OUTPUT: 404,
  OUTPUT_MISSING: 404,
  NOT_A_FILE: 404,
  REFUSED: 409,
  CLONE: 409,
  TAKEOVER_WAIT: 409,
  NEED_FULL: 409,
  HOST_OFFLINE: 409,
  NOT_WAITING: 409,
  UNSUPPORTED: 409,
  TOO_MANY: 429,
  SEARCHES_BUSY: 429,
  NOT_A_REGISTRY: 500,
  NEWER_SCHEMA: 500,
  UNREADABLE: 500,
  INTERNAL: 500,
  BUSY: 503,
  STORE_DOWN: 503,
  NAME_TAKEN: 503,
  BAD_ANSWER: 502,
  NO_ANSWER: 504,
  DISK_FULL: 507,
} as const satisfies Record<ErrorCode, number>;

/** An error's answer before it is an HTTP response: the agents' socket sends the same status and body. */
export interface CodedAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** The answer for a code: its status from the table, the code and `details` beside the message. */
export function codedAnswer(
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): CodedAnswer {
  return { status: STATUS_OF[code], body: { error: message, code, ...details }, headers };
}

export function responseOf({ status, body, headers }: CodedAnswer): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}

/** A JSON error body `{ "error": "..." }` with a fitting status (one the table does not decide: a bad body, not a hub). */
export function jsonError(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return responseOf({ status, body: { error: message, ...extra }, headers });
}

export function codedResponse(
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return responseOf(codedAnswer(code, message, details, headers));
}

export function jsonOk(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

function retryHeaders(error: unknown): Record<string, string> {
  const wait = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof wait === "number" ? { "retry-after": String(wait) } : {};
}

/**
 * Maps our errors to statuses through STATUS_OF. Conditions of the machine (a lock, a full
 * disk, a store down) are told as such whatever error carried them. Anything unexpected is a
 * 500 that names no internals (a driver's message can hold SQL, hosts and stack frames): a
 * reference to the line in the server's log.
 */
export function errorResponse(error: unknown): Response {
  return responseOf(errorAnswer(error));
}

/** The status and JSON body an error answers with (errorResponse's, for the agents' socket too). */
export function errorAnswer(error: unknown): CodedAnswer {
  const answer = codedAnswer;
  // A registry error is often a driver's failure underneath: the condition's words come first.
  if (error instanceof CodedError && !(error instanceof RegistryError) && Object.hasOwn(STATUS_OF, error.code)) {
    return answer(error.code as ErrorCode, error.message, error.details, retryHeaders(error));
  }
  const failure = knownFailure(error);
  if (failure) instruments().storeErrors.inc({ code: failure.code });
  if (failure) return answer(failure.code, error instanceof RegistryError && failure.code === "BUSY" ? error.message : failure.message);
  if (error instanceof RegistryError && error.code !== "UNREADABLE") return answer(error.code, error.message);
  const { ref, message } = internalFailure(error);
  return answer("INTERNAL", message, { ref });
}
