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
