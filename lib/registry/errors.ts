/** Errors with a code callers map to messages, exit codes and HTTP statuses. */
export type RegistryErrorCode = "MISSING_PID" | "NOT_A_REGISTRY" | "NEWER_SCHEMA" | "UNREADABLE" | "BUSY" | "NOT_FOUND" | "INVALID";

const BRAND = Symbol.for("process-monitor.RegistryError");

export class RegistryError extends Error {
  readonly [BRAND] = true;

  /** Like LaunchError's: true for an instance of any copy of this module (route bundles may hold several). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RegistryError";
  }
}

export { isBusyError } from "../db/busy";
