import { CodedError } from "../../errors";

/**
 * Why the hub refused: the code says what the agent or the person should do next (its HTTP
 * status is lib/api/respond.ts's to choose); `details` carry what acting on it needs (the
 * report number to build on after NEED_FULL).
 */
export type FleetErrorCode =
  | "NOT_FOUND"
  | "UNKNOWN_HOST"
  | "PENDING"
  | "REVOKED"
  | "CLONE"
  | "TAKEOVER_WAIT"
  | "NEED_FULL"
  | "NAME_TAKEN"
  | "HOST_OFFLINE"
  | "NO_ANSWER"
  | "UNSUPPORTED"
  | "LAUNCH_NOT_ALLOWED"
  | "BAD_ANSWER"
  | "NOT_WAITING"
  | "BUSY"
  | "TOO_MANY";

export class FleetError extends CodedError<FleetErrorCode> {
  static override readonly brand = "FleetError";

  constructor(code: FleetErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { details });
    this.name = "FleetError";
  }
}

/** The two ways a target of the fleet is missing, worded once (the API's 404 and an action's refusal alike). */
export const NOT_IN_FLEET = {
  host: (name: string) => `No host named "${name}" in this fleet.`,
  record: (host: string, hash: string) => `Host ${host} has reported no record with hash "${hash}".`,
};

export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "P2002";
}
