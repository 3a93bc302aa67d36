/** Errors with a code callers map to messages, exit codes and HTTP statuses. */
export type RegistryErrorCode = "MISSING_PID" | "NOT_A_REGISTRY" | "NEWER_SCHEMA" | "UNREADABLE" | "BUSY" | "NOT_FOUND" | "INVALID";

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RegistryError";
  }
}

/** SQLite's "database is locked/busy" surfaces with these texts through Prisma's adapter. */
export function isBusyError(error: unknown): boolean {
  const text = String((error as { message?: unknown })?.message ?? error);
  return /SQLITE_BUSY|database is locked|SocketTimeout|busy/i.test(text);
}
