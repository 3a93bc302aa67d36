// What an error tells the person who asked, decided once for the API's answers and the pages' actions.
import { CodedError } from "./errors";
import { internalFailure, knownFailure } from "./failure";
import { RegistryError } from "./registry/errors";
import { isErrorCode, type ErrorCode } from "./status-of";

/** What an error tells the person who asked: its code (its HTTP status in STATUS_OF), its words, what goes beside them. */
export interface Told {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
  /** A condition of the machine (knownFailure), which the metrics count. */
  condition: boolean;
}

/**
 * The one way from an error to what a person is told: the API's answers (lib/api/respond.ts)
 * and the pages' actions both ask here. A coded error of ours says its own words; a condition
 * of the machine (a lock, a full disk, a store down) is told as such whatever error carried it
 * (a registry error is often a driver's failure underneath); anything unexpected is told by a
 * reference to the server's log, never by its internals (a driver's message can hold SQL).
 */
export function told(error: unknown): Told {
  if (error instanceof CodedError && !(error instanceof RegistryError) && isErrorCode(error.code))
    return { code: error.code, message: error.message, details: error.details, condition: false };
  const failure = knownFailure(error);
  if (failure) {
    const message = error instanceof RegistryError && failure.code === "BUSY" ? error.message : failure.message;
    return { code: failure.code, message, details: {}, condition: true };
  }
  if (error instanceof RegistryError && error.code !== "UNREADABLE")
    return { code: error.code, message: error.message, details: {}, condition: false };
  const { ref, message } = internalFailure(error);
  return { code: "INTERNAL", message, details: { ref }, condition: false };
}
