import { CodedError } from "../errors";

/** A request body that does not validate: the messages by field. */
export class ValidationError extends CodedError<"INVALID"> {
  static override readonly brand = "ValidationError";

  constructor(readonly fields: Record<string, string[]>) {
    super(
      "INVALID",
      Object.entries(fields)
        .map(([field, messages]) => `${field}: ${messages.join(" ")}`)
        .join("; "),
      { details: { fields } },
    );
    this.name = "ValidationError";
  }
}

/**
 * What a zod refusal says in one line: `field: message` for each (at most five; the whole body's
 * own as `body`), after what was refused (`Bad query`, `Bad report`). Every HTTP adapter says it so.
 */
export function refusalText(what: string, error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): string {
  const each = error.issues.slice(0, 5).map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`);
  return `${what}: ${each.join("; ")}`;
}
