import { CodedError } from "../errors";

export type LaunchErrorCode =
  | "INVALID"
  | "EXECUTABLE_NOT_FOUND"
  | "NOT_EXECUTABLE"
  | "IS_DIRECTORY"
  | "CWD_NOT_FOUND"
  | "SPAWN_FAILED"
  | "NOT_FOUND"
  | "REFUSED"
  | "PERMISSION";

/** What every way in (the API, the pages' actions, the agent) says of a hash that names no record. */
export const NO_RECORD = "No process record with this hash.";

/** A launch or stop that did not happen, with a message meant for the person who asked. */
export class LaunchError extends CodedError<LaunchErrorCode> {
  static override readonly brand = "LaunchError";

  constructor(
    code: LaunchErrorCode,
    message: string,
    readonly field?: "name" | "executable" | "args" | "env" | "cwd",
  ) {
    // `fields` as a validation's answer has them (one error shape); `field` as agents report it.
    super(code, message, { details: field ? { field, fields: { [field]: [message] } } : {} });
    this.name = "LaunchError";
  }
}

/** The refusal of a hash that names no record (NOT_FOUND, 404). */
export function noRecord(): LaunchError {
  return new LaunchError("NOT_FOUND", NO_RECORD);
}
