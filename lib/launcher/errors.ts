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

const BRAND = Symbol.for("process-monitor.LaunchError");

/** A launch or stop that did not happen, with a message meant for the person who asked. */
export class LaunchError extends Error {
  readonly [BRAND] = true;

  /**
   * The launcher is loaded on use (a dynamic import); Next's route bundles may each hold
   * a copy of this module, so `instanceof` checks a brand shared by every copy, not the class.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  constructor(
    readonly code: LaunchErrorCode,
    message: string,
    readonly field?: "name" | "executable" | "args" | "env" | "cwd",
  ) {
    super(message);
    this.name = "LaunchError";
  }
}
