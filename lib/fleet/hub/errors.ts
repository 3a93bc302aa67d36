/** A refusal the hub's routes turn into a status and a JSON body the agent acts on. */
export class FleetRefusal extends Error {
  override name = "FleetRefusal";
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "P2002";
}
