// The one table of error codes and their HTTP statuses. Types only besides the table, so that
// the proxy (which answers 401 and 403 before any route) can use it without the routes' imports.
import type { LaunchErrorCode } from "./launcher/errors";
import type { FailureCode } from "./failure";
import type { FleetErrorCode } from "./fleet/hub/errors";
import type { OutputErrorCode } from "./output/range";
import type { RegistryErrorCode } from "./registry/errors";

/** Codes the adapters answer with themselves (a wrong credential, a report from a newer agent). */
type AdapterCode =
  "WRONG_KEY" | "TOO_MANY" | "PROTOCOL" | "INTERNAL" | "UNAUTHORIZED" | "FORBIDDEN" | "TOO_LARGE" | "NOT_JSON" | "COMMAND_FAILED";

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
  UNAUTHORIZED: 401,
  PERMISSION: 403,
  FORBIDDEN: 403,
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
  COMMAND_FAILED: 409,
  TOO_LARGE: 413,
  NOT_JSON: 415,
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

/** Whether a code (one a workstation's agent sent, say) is one of ours, with a status. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(STATUS_OF, code);
}
