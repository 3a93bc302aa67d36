import { CodedError } from "../errors";

/** Errors with a code callers map to messages, exit codes and HTTP statuses. */
export type RegistryErrorCode = "MISSING_PID" | "NOT_A_REGISTRY" | "NEWER_SCHEMA" | "UNREADABLE" | "BUSY" | "NOT_FOUND" | "INVALID";

export class RegistryError extends CodedError<RegistryErrorCode> {
  static override readonly brand = "RegistryError";

  constructor(code: RegistryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "RegistryError";
  }
}

export { isBusyError } from "../db/busy";
