const CODED = Symbol.for("process-monitor.CodedError");

/**
 * An error of ours: a code that callers act on and that the API maps to an HTTP status in one
 * table (lib/api/respond.ts), never a status chosen where it is thrown. `details` go into the
 * JSON answer beside the message (what an agent or a form needs to act on it).
 *
 * Next's route bundles may each hold a copy of a module, so `instanceof` checks a brand that
 * every copy of a class shares, not the class object.
 */
export class CodedError<C extends string = string> extends Error {
  static readonly brand: string = "CodedError";
  readonly [CODED]: string[];

  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details ?? {};
    const brands: string[] = [];
    for (let c = new.target as typeof CodedError | undefined; c?.brand; c = Object.getPrototypeOf(c) as typeof CodedError)
      brands.push(c.brand);
    this[CODED] = brands;
  }

  readonly details: Record<string, unknown>;

  static [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== "object" || value === null) return false;
    return ((value as Record<symbol, unknown>)[CODED] as string[] | undefined)?.includes(this.brand) === true;
  }
}
